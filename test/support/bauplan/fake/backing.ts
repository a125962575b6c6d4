import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type LakehouseConfig } from '../../../../src/shared/config/index.js';
import type { Lakehouse } from '../../../../src/shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../../../src/shared/lakehouse/local/index.js';

/** The real store behind the fake: Floodgate's own local lakehouse in a temporary home. */
export interface Backing {
  readonly lakehouse: Lakehouse;
  readonly config: LakehouseConfig;
  /** A local folder the lakehouse may import from: where the fake stages a subset of a source's files. */
  readonly inbox: string;
  cleanup(): Promise<void>;
}

export async function openBacking(options: { s3Endpoint: string; username: string }): Promise<Backing> {
  // The AWS SDK reads credentials from its own environment chain; moto accepts any.
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-fake-bauplan-'));
  const inbox = path.join(home, 'inbox');
  await fs.mkdir(inbox, { recursive: true });
  const config = loadConfig({
    FLOODGATE_HOME: home,
    FLOODGATE_SOURCE_ROOTS: `s3://,${inbox}`,
    FLOODGATE_S3_ENDPOINT: options.s3Endpoint,
    FLOODGATE_S3_FORCE_PATH_STYLE: 'true',
    FLOODGATE_DUCKDB_THREADS: '2',
    FLOODGATE_DUCKDB_MEMORY_LIMIT: '512MB',
    FLOODGATE_AUTHOR: options.username,
  }).lakehouse;
  const lakehouse = await openLocalLakehouse(config, { cwd: home });
  return {
    lakehouse,
    config,
    inbox,
    cleanup: async () => {
      await lakehouse.close();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}
