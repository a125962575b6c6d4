import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';
import { startMoto, type MotoServer } from '../support/moto.js';

describe('import from S3 (moto server on loopback)', () => {
  let moto: MotoServer;
  let backend: OpenedBackend;

  beforeAll(async () => {
    // The AWS SDK reads credentials from its own environment chain; moto accepts any.
    process.env['AWS_ACCESS_KEY_ID'] = 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'test';
    moto = await startMoto();
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'landing' }));
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-s3-'));
    for (const [index, rows] of [10, 20, 30].entries()) {
      const local = await writeFile(path.join(tmp, `part-${index}.parquet`), trips(rows, index * 1000));
      await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: `trips/2026-11/part-${index}.parquet`, Body: await fs.readFile(local) }));
    }
    await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: 'trips/2026-11/_SUCCESS', Body: '' }));
    await fs.rm(tmp, { recursive: true, force: true });
    backend = await openLocal({ env: { FLOODGATE_S3_ENDPOINT: moto.endpoint } });
  });

  afterAll(async () => {
    await backend?.cleanup();
    await moto?.stop();
  });

  it('imports every object a glob matches as one commit, and leaves no staged copies', async () => {
    const lake = backend.lakehouse;
    await lake.createBranch('run');
    const progress: string[] = [];
    const result = await lake.importData({
      table: 'taxi.trips',
      source: 's3://landing/trips/2026-11/*.parquet',
      branch: 'run',
      onProgress: (p) => progress.push(p.phase),
    });
    expect(result).toMatchObject({ rows: 60, created: true });
    const [row] = await lake.queryRows('SELECT count(*) AS n, max(id) AS hi FROM taxi.trips', { ref: 'run' });
    expect(row).toEqual({ n: 60, hi: 2029 });
    expect(progress).toContain('downloading');
    expect(await fs.readdir(path.join(backend.config.home, 'staging'))).toEqual([]);
  });

  it('gives clear errors for a missing bucket, no matches and a root that is not allowed', async () => {
    const lake = backend.lakehouse;
    await expect(lake.importData({ table: 'taxi.t', source: 's3://no-such-bucket/x/*.parquet', branch: 'main' })).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
    await expect(lake.importData({ table: 'taxi.t', source: 's3://landing/nothing/*.parquet', branch: 'main' })).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
    await expect(lake.importData({ table: 'taxi.t', source: 's3://landing/../x', branch: 'main' })).rejects.toMatchObject({
      code: 'SOURCE_NOT_ALLOWED',
    });
    const restricted = await openLocal({
      env: { FLOODGATE_S3_ENDPOINT: moto.endpoint, FLOODGATE_SOURCE_ROOTS: 's3://landing/other/' },
    });
    try {
      await expect(
        restricted.lakehouse.importData({ table: 'taxi.t', source: 's3://landing/trips/2026-11/*.parquet', branch: 'main' }),
      ).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
      expect(await restricted.lakehouse.listTables('main')).toEqual([]);
    } finally {
      await restricted.cleanup();
    }
  });
});
