import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloodgateProducer } from '../../src/producers/library.js';
import { writeFile } from '../support/data.js';
import { REPO_ROOT, TSX_LOADER } from '../support/paths.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

const ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');

describe('graceful shutdown', () => {
  let redis: TestRedis;
  let home: string;
  let data: string;
  beforeAll(async () => {
    redis = await startTestRedis();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-stop-home-'));
    data = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-stop-data-'));
  });
  afterAll(async () => {
    await redis?.stop();
    await fs.rm(home, { recursive: true, force: true });
    await fs.rm(data, { recursive: true, force: true });
  });

  it('on SIGTERM stops taking jobs, finishes the active one within --grace and exits 0', async () => {
    const env = { ...process.env, FLOODGATE_HOME: home, FLOODGATE_SOURCE_ROOTS: data, REDIS_URL: redis.url, FLOODGATE_REDIS_PREFIX: uniquePrefix(), FLOODGATE_METRICS_PORT: '0' };
    const worker = () =>
      spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, 'worker', '--stages', 'write', '--grace', '20'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const source = await writeFile(
      path.join(data, 'big.parquet'),
      'SELECT range AS id, md5(range::VARCHAR) AS h, random() AS r FROM range(2500000)',
    );
    const producer = new FloodgateProducer({ connection: redis.url, prefix: env.FLOODGATE_REDIS_PREFIX, sourceRoots: [data], cwd: data });
    try {
      const first = worker();
      let log = '';
      first.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
      const { runId } = await producer.enqueue({ table: 'big.rows', source });
      await expect.poll(async () => (await producer.getRun(runId))?.status, { timeout: 30_000, interval: 50 }).toBe('writing');
      first.kill('SIGTERM');
      // Once the worker has begun stopping (it logs so when the signal is handled), it takes no new job.
      await expect.poll(() => log.includes('stopping: no new jobs'), { timeout: 10_000, interval: 20 }).toBe(true);
      const second = await producer.enqueue({ table: 'big.other', source });
      expect(await exited).toBe(0);
      // The active write was finished, not abandoned; the run queued after SIGTERM was not taken.
      expect((await producer.getRun(runId))?.status).toBe('written');
      expect((await producer.getRun(second.runId))?.status).toBe('queued');
    } finally {
      await producer.close();
    }
  }, 120_000);

  it('with a grace too short for the active write, hands the job back: the run is not ended, and the next worker completes it', async () => {
    const env = { ...process.env, FLOODGATE_HOME: home, FLOODGATE_SOURCE_ROOTS: data, REDIS_URL: redis.url, FLOODGATE_REDIS_PREFIX: uniquePrefix(), FLOODGATE_METRICS_PORT: '0' };
    const worker = (grace: string) =>
      spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, 'worker', '--stages', 'write', '--grace', grace], { env, stdio: ['ignore', 'ignore', 'ignore'] });
    const source = await writeFile(
      path.join(data, 'big-cut.parquet'),
      'SELECT range AS id, md5(range::VARCHAR) AS h, random() AS r FROM range(2500000)',
    );
    const producer = new FloodgateProducer({ connection: redis.url, prefix: env.FLOODGATE_REDIS_PREFIX, sourceRoots: [data], cwd: data });
    try {
      const first = worker('0.1');
      const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
      const { runId } = await producer.enqueue({ table: 'big.cut', source });
      await expect.poll(async () => (await producer.getRun(runId))?.status, { timeout: 30_000, interval: 50 }).toBe('writing');
      first.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Cut off, not failed: the run waits for the next delivery of its job.
      expect(await producer.getRun(runId)).toMatchObject({ status: 'writing' });
      const second = worker('20');
      try {
        await expect.poll(async () => (await producer.getRun(runId))?.status, { timeout: 60_000, interval: 200 }).toBe('written');
        expect((await producer.getRun(runId))?.error).toBeUndefined();
      } finally {
        second.kill('SIGTERM');
        await new Promise((resolve) => second.once('exit', resolve));
      }
    } finally {
      await producer.close();
    }
  }, 150_000);
});
