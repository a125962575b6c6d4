import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../../src/shared/config/index.js';
import { openBauplanLakehouse } from '../../../src/shared/lakehouse/bauplan/index.js';
import type { OpenedBackend } from '../backends.js';
import { startMoto, type MotoServer } from '../moto.js';
import { startFakeBauplan, type FakeBauplan } from './fake/index.js';

export const STAGING_BUCKET = 'fg-staging';

let moto: Promise<MotoServer> | undefined;

/** One moto server per test process, started on first use and stopped when the process exits. */
export function sharedMoto(): Promise<MotoServer> {
  process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
  process.env['AWS_REGION'] ??= 'us-east-1';
  moto ??= (async () => {
    const server = await startMoto();
    process.once('exit', () => void server.stop());
    const s3 = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: STAGING_BUCKET }));
    s3.destroy();
    return server;
  })();
  return moto;
}

export interface OpenedBauplan extends OpenedBackend {
  readonly fake: FakeBauplan;
}

/** The environment that points Floodgate at a fake Bauplan server, staging local files in moto. */
export function bauplanEnv(fake: FakeBauplan, s3Endpoint: string, dataDir: string, home: string): Record<string, string> {
  return {
    FLOODGATE_LAKEHOUSE: 'bauplan',
    FLOODGATE_HOME: home,
    HOME: home,
    BAUPLAN_API_KEY: fake.apiKey,
    BAUPLAN_API_ENDPOINT: fake.restEndpoint,
    FLOODGATE_BAUPLAN_GRPC_ENDPOINT: `grpc://${fake.grpcTarget}`,
    FLOODGATE_BAUPLAN_STAGING: `s3://${STAGING_BUCKET}/floodgate`,
    FLOODGATE_S3_ENDPOINT: s3Endpoint,
    FLOODGATE_S3_FORCE_PATH_STYLE: 'true',
    FLOODGATE_SOURCE_ROOTS: `${dataDir},s3://`,
    FLOODGATE_AUTHOR: 'tests',
    FLOODGATE_DUCKDB_THREADS: '2',
    FLOODGATE_DUCKDB_MEMORY_LIMIT: '512MB',
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'test',
    AWS_REGION: process.env['AWS_REGION'] ?? 'us-east-1',
  };
}

/** A fresh fake Bauplan (its own backing store) and a Bauplan backend connected to it. */
export async function openBauplan(options: Partial<Parameters<typeof startFakeBauplan>[0]> = {}): Promise<OpenedBauplan> {
  const s3 = await sharedMoto();
  const fake = await startFakeBauplan({ s3Endpoint: s3.endpoint, ...options });
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-bauplan-home-'));
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-data-'));
  const env = bauplanEnv(fake, s3.endpoint, dataDir, home);
  const config = loadConfig(env).lakehouse;
  const lakehouse = await openBauplanLakehouse(config, { cwd: dataDir });
  return {
    lakehouse,
    env,
    dataDir,
    config,
    fake,
    cleanup: async () => {
      await lakehouse.close();
      await fake.close();
      await fs.rm(home, { recursive: true, force: true });
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
