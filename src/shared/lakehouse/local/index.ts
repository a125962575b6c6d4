import fs from 'node:fs/promises';
import path from 'node:path';
import type { LakehouseConfig } from '../../config/index.js';
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
export async function openLocalLakehouse(
  config: LakehouseConfig,
  options: OpenLocalLakehouseOptions = {},
): Promise<Lakehouse> {
  await fs.mkdir(config.warehouse, { recursive: true });
  await fs.mkdir(path.join(config.home, 'staging'), { recursive: true });
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
