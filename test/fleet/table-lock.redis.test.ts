import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableLocks } from '../../src/shared/locks/index.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('per-table lease lock (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  const locks = (ttlMs = 5_000) => new TableLocks(redis.client(), redisKeys(uniquePrefix()), { ttlMs });

  it('lets runs of one table take it in enqueue order, re-entrant, with rising fencing tokens', async () => {
    const lock = locks();
    await lock.enqueue('taxi.trips', 'r1');
    await lock.enqueue('taxi.trips', 'r2');
    await lock.enqueue('taxi.trips', 'r1');
    expect(await lock.line('taxi.trips')).toEqual(['r1', 'r2']);

    expect(await lock.acquire('taxi.trips', 'r2')).toEqual({ acquired: false, blockedBy: 'r1' });
    const first = await lock.acquire('taxi.trips', 'r1');
    expect(first).toMatchObject({ acquired: true, lease: { runId: 'r1', token: 1 } });
    expect(await lock.acquire('taxi.trips', 'r1')).toEqual(first);
    expect(await lock.acquire('taxi.trips', 'r2')).toEqual({ acquired: false, blockedBy: 'r1' });
    expect(await lock.acquire('taxi.zones', 'r9')).toMatchObject({ acquired: true, lease: { token: 1 } });

    expect(await lock.release('taxi.trips', 'r1')).toBe('r2');
    const second = await lock.acquire('taxi.trips', 'r2');
    expect(second).toMatchObject({ acquired: true, lease: { runId: 'r2', token: 2 } });
    expect(await lock.release('taxi.trips', 'r2')).toBeUndefined();
    expect(await lock.holder('taxi.trips')).toBeUndefined();
  });

  it('fences a run whose lease expired and was taken over', async () => {
    const lock = locks(150);
    await lock.enqueue('t.a', 'old');
    const taken = await lock.acquire('t.a', 'old');
    if (!taken.acquired) throw new Error('expected the lease');
    expect(await lock.renew(taken.lease)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The janitor gives up on the dead run: its place in line goes, and the next run takes over.
    await lock.enqueue('t.a', 'new');
    await lock.release('t.a', 'old');
    const next = await lock.acquire('t.a', 'new');
    expect(next).toMatchObject({ acquired: true, lease: { token: 2 } });
    expect(await lock.holds(taken.lease)).toBe(false);
    expect(await lock.renew(taken.lease)).toBe(false);
  });

  it('hands the lock to exactly one of many concurrent contenders at the head of the line', async () => {
    const keys = redisKeys(uniquePrefix());
    const contenders = Array.from({ length: 8 }, () => new TableLocks(redis.client(), keys, { ttlMs: 5_000 }));
    await contenders[0]?.enqueue('t.b', 'head');
    const results = await Promise.all(contenders.map((lock, i) => lock.acquire('t.b', i < 4 ? 'head' : `other-${i}`)));
    expect(results.filter((r) => r.acquired)).toHaveLength(4);
    expect(new Set(results.filter((r) => r.acquired).map((r) => (r.acquired ? r.lease.token : 0)))).toEqual(new Set([1]));
    expect(results.filter((r) => !r.acquired).every((r) => !r.acquired && r.blockedBy === 'head')).toBe(true);
  });
});
