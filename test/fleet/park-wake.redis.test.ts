import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableLocks } from '../../src/shared/locks/index.js';
import { noopEvents, noopLogger, noopMetrics } from '../../src/shared/observability/ports.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import type { FleetDeps, StageJob } from '../../src/workers/processors/index.js';
import { withLease } from '../../src/workers/processors/lease.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('parking a job on a busy table', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  it('wakes itself when the table was released while it was being parked', async () => {
    const locks = new TableLocks(redis.client(), redisKeys(uniquePrefix()), { ttlMs: 5000 });
    await locks.enqueue('t.a', 'first');
    await locks.enqueue('t.a', 'second');
    await locks.acquire('t.a', 'first');
    const deps = { locks, logger: noopLogger, metrics: noopMetrics, events: noopEvents, options: { parkMs: 30_000, mainBranch: 'main' } } as unknown as FleetDeps;
    let promoted = 0;
    const job: StageJob = {
      data: { runId: 'second', table: 't.a' },
      attemptsMade: 0,
      opts: {},
      // The holder finishes just as this job is parked: no wake-up can reach a job still active.
      moveToDelayed: async () => {
        await locks.release('t.a', 'first');
      },
      promote: async () => {
        promoted++;
      },
    };
    await expect(withLease(deps, job, 'token', 'write', undefined, async () => 'ran')).rejects.toMatchObject({ name: 'DelayedError' });
    expect(promoted).toBe(1);

    // While the table stays busy, a parked job does not wake itself.
    await locks.enqueue('t.b', 'holder');
    await locks.acquire('t.b', 'holder');
    await locks.enqueue('t.b', 'waiter');
    const waiting: StageJob = { ...job, data: { runId: 'waiter', table: 't.b' }, moveToDelayed: async () => {} };
    await expect(withLease(deps, waiting, 'token', 'write', undefined, async () => 'ran')).rejects.toMatchObject({ name: 'DelayedError' });
    expect(promoted).toBe(1);
  });
});
