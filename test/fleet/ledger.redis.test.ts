import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/shared/ledger/index.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { RunFlow } from '../../src/shared/runs/index.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('run ledger (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  const open = (now?: () => Date) => {
    const keys = redisKeys(uniquePrefix());
    const ledger = new Ledger(redis.client(), keys, { retentionSeconds: 60, ...(now === undefined ? {} : { now }) });
    return { keys, ledger, runs: new RunFlow(redis.client(), keys, ledger, { leaseTtlMs: 5000 }) };
  };

  it('creates a run once, records its history, and expires it after retention once finished', async () => {
    const client = redis.client();
    const { keys, ledger, runs } = open();
    const first = await runs.enqueue({ runId: 'r-1', table: 'taxi.trips', request: { source: 'a' } });
    const again = await runs.enqueue({ runId: 'r-1', table: 'taxi.trips', request: { source: 'b' } });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, record: { request: { source: 'a' } } });

    await ledger.apply('r-1', { status: 'writing', patch: { branch: 'wap/taxi.trips/r-1', baseCommit: 'abc' } });
    await ledger.apply('r-1', { attempt: 'write' });
    expect((await ledger.get('r-1'))?.attempts.write).toBe(1);
    await ledger.apply('r-1', { attempt: 'write' });
    expect((await ledger.get('r-1'))?.attempts.write).toBe(2);
    expect(await client.ttl(keys.run('r-1'))).toBe(-1);
    await ledger.apply('r-1', { status: 'published', note: 'fast-forward', patch: { publishedCommit: 'def', rows: 10 } });
    const done = await ledger.get('r-1');
    expect(done?.history.map((h) => h.status)).toEqual(['queued', 'writing', 'published']);
    expect(done).toMatchObject({ branch: 'wap/taxi.trips/r-1', baseCommit: 'abc', publishedCommit: 'def', rows: 10, attempts: { write: 2 } });
    expect(done?.finishedAt).toBeDefined();
    expect(await client.ttl(keys.run('r-1'))).toBeGreaterThan(50);
    await expect(ledger.apply('nope', { status: 'failed' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // A finished run stays as it finished: a late worker's status change (and its fields) is dropped.
    expect(await ledger.apply('r-1', { status: 'written', patch: { writeCommit: 'stale', rows: 99 } })).toBe(false);
    expect(await ledger.apply('r-1', { status: 'rejected', patch: { rows: 0 } })).toBe(false);
    await runs.end('r-1', 'taxi.trips', { status: 'failed' });
    expect(await ledger.get('r-1')).toMatchObject({ status: 'published', rows: 10, history: done?.history });
    expect((await ledger.get('r-1'))?.writeCommit).toBeUndefined();
    expect(await ledger.apply('r-1', { note: 'quarantine deleted' })).toBe(true);
  });

  it('keeps concurrent updates from many clients', async () => {
    const keys = redisKeys(uniquePrefix());
    const ledgers = Array.from({ length: 5 }, () => new Ledger(redis.client(), keys, { retentionSeconds: 60 }));
    await new RunFlow(redis.client(), keys, ledgers[0] as Ledger, { leaseTtlMs: 5000 }).enqueue({ runId: 'r-2', table: 't.a', request: {} });
    await Promise.all(ledgers.flatMap((ledger) => Array.from({ length: 4 }, () => ledger.apply('r-2', { attempt: 'audit' }))));
    expect((await ledgers[0]?.get('r-2'))?.attempts.audit).toBe(20);
  });

  it('lists runs newest first, filtered by table and status', async () => {
    let clock = Date.parse('2026-11-01T00:00:00Z');
    const { ledger, runs } = open(() => new Date((clock += 1000)));
    for (const [id, table] of [['a', 't.x'], ['b', 't.y'], ['c', 't.x']] as const) await runs.enqueue({ runId: id, table, request: {} });
    await ledger.apply('a', { status: 'rejected' });
    expect((await ledger.list()).map((r) => r.runId)).toEqual(['c', 'b', 'a']);
    expect((await ledger.list({ table: 't.x' })).map((r) => r.runId)).toEqual(['c', 'a']);
    expect((await ledger.list({ table: 't.x', status: 'rejected' })).map((r) => r.runId)).toEqual(['a']);
    expect((await ledger.list({ limit: 1 })).map((r) => r.runId)).toEqual(['c']);
  });
});
