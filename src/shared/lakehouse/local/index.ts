import fs from 'node:fs/promises';
import path from 'node:path';
import type { LakehouseConfig } from '../../config/index.js';
import { FloodgateError } from '../../errors/index.js';
import type { Lakehouse } from '../lakehouse.js';
import { openCatalog } from './catalog/index.js';
import { localFileIO } from './iceberg/index.js';
import { LocalLakehouse } from './local-lakehouse.js';
import { createS3ObjectStore, type ObjectStore } from '../../sources/index.js';

export { LOCAL_CAPABILITIES } from './local-lakehouse.js';
export type { ObjectStore } from '../../sources/index.js';

export interface OpenLocalLakehouseOptions {
  /** Where relative source paths resolve from; defaults to the process's working directory. */
  readonly cwd?: string;
  /** Replaces the S3 client (tests, other object stores). */
  readonly objectStore?: ObjectStore;
}

/** Opens (creating on first use) the embedded lakehouse under `config.home`. */
/** A folder the lakehouse needs; a path that cannot be one (a file in the way, no permission) is a configuration error. */
async function makeFolder(folder: string, setting: string): Promise<void> {
  try {
    await fs.mkdir(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new FloodgateError('CONFIG_INVALID', `cannot use ${folder} (${setting}, or --home): ${code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way' : code}`, { cause: error });
  }
}

export async function openLocalLakehouse(
  config: LakehouseConfig,
  options: OpenLocalLakehouseOptions = {},
): Promise<Lakehouse> {
  await makeFolder(config.warehouse, 'FLOODGATE_WAREHOUSE');
  await makeFolder(path.join(config.home, 'staging'), 'FLOODGATE_HOME');
  const catalog = await openCatalog({
    ...(config.catalogUrl === undefined ? {} : { url: config.catalogUrl }),
    sqlitePath: path.join(config.home, 'catalog.db'),
    catalogName: config.catalogName,
  });
  let store = options.objectStore;
  return new LocalLakehouse({
    config,
    catalog,
    io: localFileIO(),
    objectStore: () => (store ??= createS3ObjectStore(config.s3)),
    cwd: options.cwd ?? process.cwd(),
  });
}
