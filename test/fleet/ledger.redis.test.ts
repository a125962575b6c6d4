import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/shared/ledger/index.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('run ledger (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  it('creates a run once, records its history, and expires it after retention once finished', async () => {
    const client = redis.client();
    const keys = redisKeys(uniquePrefix());
    const ledger = new Ledger(client, keys, { retentionSeconds: 60 });
    const first = await ledger.create({ runId: 'r-1', table: 'taxi.trips', request: { source: 'a' } });
    const again = await ledger.create({ runId: 'r-1', table: 'taxi.trips', request: { source: 'b' } });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, record: { request: { source: 'a' } } });

    await ledger.update('r-1', { status: 'writing', patch: { branch: 'wap/taxi.trips/r-1', baseCommit: 'abc' } });
    expect(await ledger.countAttempt('r-1', 'write')).toBe(1);
    expect(await ledger.countAttempt('r-1', 'write')).toBe(2);
    expect(await client.ttl(keys.run('r-1'))).toBe(-1);
    const done = await ledger.update('r-1', { status: 'published', note: 'fast-forward', patch: { publishedCommit: 'def', rows: 10 } });
    expect(done.history.map((h) => h.status)).toEqual(['queued', 'writing', 'published']);
    expect(done).toMatchObject({ branch: 'wap/taxi.trips/r-1', baseCommit: 'abc', publishedCommit: 'def', rows: 10, attempts: { write: 2 } });
    expect(done.finishedAt).toBeDefined();
    expect(await client.ttl(keys.run('r-1'))).toBeGreaterThan(50);
    await expect(ledger.update('nope', { status: 'failed' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('keeps concurrent updates from many clients', async () => {
    const keys = redisKeys(uniquePrefix());
    const ledgers = Array.from({ length: 5 }, () => new Ledger(redis.client(), keys, { retentionSeconds: 60 }));
    await ledgers[0]?.create({ runId: 'r-2', table: 't.a', request: {} });
    await Promise.all(ledgers.flatMap((ledger) => Array.from({ length: 4 }, () => ledger.countAttempt('r-2', 'audit'))));
    expect((await ledgers[0]?.get('r-2'))?.attempts.audit).toBe(20);
  });

  it('lists runs newest first, filtered by table and status', async () => {
    let clock = Date.parse('2026-11-01T00:00:00Z');
    const ledger = new Ledger(redis.client(), redisKeys(uniquePrefix()), { retentionSeconds: 60, now: () => new Date((clock += 1000)) });
    for (const [id, table] of [['a', 't.x'], ['b', 't.y'], ['c', 't.x']] as const) await ledger.create({ runId: id, table, request: {} });
    await ledger.update('a', { status: 'rejected' });
    expect((await ledger.list()).map((r) => r.runId)).toEqual(['c', 'b', 'a']);
    expect((await ledger.list({ table: 't.x' })).map((r) => r.runId)).toEqual(['c', 'a']);
    expect((await ledger.list({ table: 't.x', status: 'rejected' })).map((r) => r.runId)).toEqual(['a']);
    expect((await ledger.list({ limit: 1 })).map((r) => r.runId)).toEqual(['c']);
  });
});
