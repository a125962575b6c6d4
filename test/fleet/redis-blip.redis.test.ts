import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FloodgateProducer } from '../../src/producers/library.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { trips, writeFile } from '../support/data.js';
import { freePort, waitFor } from '../support/ports.js';

/** A Redis restart (with its append-only file) while a caller waits for a run. */
describe('waiting for a run through a Redis restart', () => {
  let dir = '';
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
    if (dir !== '') await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps waiting while Redis is away and sees the run finish once it is back', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-blip-'));
    const port = await freePort();
    const start = async () => {
      server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
      const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      await waitFor('redis-server', async () => probe.connect().then(() => true, () => false), 15_000);
      probe.disconnect();
    };
    await start();
    const url = `redis://127.0.0.1:${port}`;
    const prefix = '{blip}';
    const producer = new FloodgateProducer({ connection: url, prefix, sourceRoots: [dir], cwd: dir });
    try {
      const { runId } = await producer.enqueue({ table: 'taxi.trips', source: await writeFile(path.join(dir, 'a.parquet'), trips(5)) });
      const waiting = producer.waitForRun(runId, { timeoutMs: 60_000 });
      waiting.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stopped = new Promise((resolve) => server?.once('exit', resolve));
      server?.kill('SIGTERM');
      await stopped;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await start();
      // The run finishes while the caller is still waiting (a worker would do this).
      const client = new Redis(url);
      await client.hset(redisKeys(prefix).run(runId), 'status', 'published');
      client.disconnect();
      expect((await waiting).status).toBe('published');
    } finally {
      await producer.close();
    }
  }, 90_000);
});
