import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/shared/ledger/index.js';
import { TableLocks } from '../../src/shared/locks/index.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { RunFlow } from '../../src/shared/runs/index.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('per-table lease lock (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  const open = (ttlMs = 5_000, keys = redisKeys(uniquePrefix())) => {
    const ledger = new Ledger(redis.client(), keys, { retentionSeconds: 60 });
    return { runs: new RunFlow(redis.client(), keys, ledger, { leaseTtlMs: ttlMs }), locks: new TableLocks(redis.client(), keys, { ttlMs }) };
  };
  const enqueue = async (runs: RunFlow, table: string, ...runIds: string[]) => {
    for (const runId of runIds) await runs.enqueue({ runId, table, request: {} });
  };
  /** Takes (or keeps) the run's lease, whatever its status. */
  const take = (runs: RunFlow, runId: string, table: string) => runs.begin(runId, table, [], {});

  it('lets runs of one table take it in enqueue order, re-entrant with a new token each time, with rising fencing tokens', async () => {
    const { runs, locks } = open();
    await enqueue(runs, 'taxi.trips', 'r1', 'r2', 'r1');
    expect(await locks.line('taxi.trips')).toEqual(['r1', 'r2']);

    expect(await take(runs, 'r2', 'taxi.trips')).toEqual({ kind: 'busy', blockedBy: 'r1' });
    const first = await take(runs, 'r1', 'taxi.trips');
    expect(first).toMatchObject({ kind: 'started', lease: { runId: 'r1', token: 1 } });
    // The same run again (its next stage, or a later delivery of a stalled one): a new token, which fences the old.
    const again = await take(runs, 'r1', 'taxi.trips');
    expect(again).toMatchObject({ kind: 'started', lease: { runId: 'r1', token: 2 } });
    if (first.kind !== 'started' || again.kind !== 'started') throw new Error('expected the lease');
    expect(await locks.holds(first.lease)).toBe(false);
    expect(await locks.renew(first.lease)).toBe(false);
    expect(await locks.holds(again.lease)).toBe(true);
    // A stage records its result only under the current lease.
    expect(await runs.record(first.lease, { status: 'written' })).toBe('lost');
    expect(await runs.record(again.lease, { status: 'written' })).toBe('applied');
    expect(await take(runs, 'r2', 'taxi.trips')).toEqual({ kind: 'busy', blockedBy: 'r1' });
    await enqueue(runs, 'taxi.zones', 'r9');
    expect(await take(runs, 'r9', 'taxi.zones')).toMatchObject({ kind: 'started', lease: { token: 1 } });

    expect((await runs.end('r1', 'taxi.trips')).next).toEqual({ runId: 'r2', parked: true });
    expect(await take(runs, 'r2', 'taxi.trips')).toMatchObject({ kind: 'started', lease: { runId: 'r2', token: 3 } });
    expect((await runs.end('r2', 'taxi.trips')).next).toBeUndefined();
    expect(await locks.holder('taxi.trips')).toBeUndefined();
  });

  it('fences a run whose lease expired and was taken over', async () => {
    const { runs, locks } = open(150);
    await enqueue(runs, 't.a', 'old');
    const taken = await take(runs, 'old', 't.a');
    if (taken.kind !== 'started') throw new Error('expected the lease');
    expect(await locks.renew(taken.lease)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    // The janitor gives up on the dead run: its place in line goes, and the next run takes over.
    await enqueue(runs, 't.a', 'new');
    await runs.end('old', 't.a');
    const fresh = await take(runs, 'new', 't.a');
    expect(fresh).toMatchObject({ kind: 'started', lease: { token: 2 } });
    expect(await locks.holds(taken.lease)).toBe(false);
    expect(await locks.renew(taken.lease)).toBe(false);
    if (fresh.kind !== 'started') throw new Error('expected the lease');
    expect(await runs.record(fresh.lease, { status: 'published' })).toBe('applied');
    expect(await runs.record(fresh.lease, { status: 'written' })).toBe('finished');
  });

  it('hands the lock to exactly one of many concurrent contenders at the head of the line', async () => {
    const keys = redisKeys(uniquePrefix());
    const contenders = Array.from({ length: 8 }, () => open(5_000, keys).runs);
    await enqueue(contenders[0] as RunFlow, 't.b', 'head', 'other-4', 'other-5', 'other-6', 'other-7');
    const results = await Promise.all(contenders.map((runs, i) => take(runs, i < 4 ? 'head' : `other-${i}`, 't.b')));
    // The head's four deliveries each start in turn, each with a newer token; no other run starts.
    const started = results.flatMap((r) => (r.kind === 'started' ? [r.lease.token] : []));
    expect([...started].sort()).toEqual([1, 2, 3, 4]);
    expect(results.filter((r) => r.kind !== 'started').every((r) => r.kind === 'busy' && r.blockedBy === 'head')).toBe(true);
  });
});
