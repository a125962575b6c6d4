import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/shared/ledger/index.js';
import { TableLocks } from '../../src/shared/locks/index.js';
import { noopEvents, noopLogger, noopMetrics } from '../../src/shared/observability/ports.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { RunFlow } from '../../src/shared/runs/index.js';
import type { FleetDeps, StageJob } from '../../src/workers/processors/index.js';
import { runStage, type StageStartSpec } from '../../src/workers/processors/lease.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

describe('parking a job on a busy table', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());

  const setup = () => {
    const keys = redisKeys(uniquePrefix());
    const ledger = new Ledger(redis.client(), keys, { retentionSeconds: 60 });
    const locks = new TableLocks(redis.client(), keys, { ttlMs: 5000 });
    const runs = new RunFlow(redis.client(), keys, ledger, { leaseTtlMs: 5000 });
    const deps = { ledger, locks, runs, logger: noopLogger, metrics: noopMetrics, events: noopEvents, options: { parkMs: 30_000, mainBranch: 'main' } } as unknown as FleetDeps;
    return { runs, deps };
  };
  const spec: StageStartSpec = { stage: 'write', allowed: ['queued'], change: { status: 'writing' }, otherwise: async () => 'skipped' };

  it('wakes itself when the table was released while it was being parked', async () => {
    const { runs, deps } = setup();
    for (const runId of ['first', 'second']) await runs.enqueue({ runId, table: 't.a', request: {} });
    expect(await runStage(deps, { data: { runId: 'first', table: 't.a' } } as StageJob, 'token', undefined, spec, async () => 'done')).toBe('done');
    let promoted = 0;
    const job: StageJob = {
      data: { runId: 'second', table: 't.a' },
      attemptsMade: 0,
      opts: {},
      // The holder finishes just as this job is parked: no wake-up can reach a job still active.
      moveToDelayed: async () => {
        const ended = await runs.end('first', 't.a', { status: 'published' });
        // The end names the parked run, so a holder that ends later wakes it.
        expect(ended.next).toEqual({ runId: 'second', parked: true });
      },
      promote: async () => {
        promoted++;
      },
    };
    await expect(runStage(deps, job, 'token', undefined, spec, async () => 'done')).rejects.toMatchObject({ name: 'DelayedError' });
    expect(promoted).toBe(1);

    // While the table stays busy, a parked job does not wake itself.
    for (const runId of ['holder', 'waiter']) await runs.enqueue({ runId, table: 't.b', request: {} });
    expect(await runStage(deps, { data: { runId: 'holder', table: 't.b' } } as StageJob, 'token', undefined, spec, async () => 'done')).toBe('done');
    const waiting: StageJob = { ...job, data: { runId: 'waiter', table: 't.b' }, moveToDelayed: async () => {} };
    await expect(runStage(deps, waiting, 'token', undefined, spec, async () => 'done')).rejects.toMatchObject({ name: 'DelayedError' });
    expect(promoted).toBe(1);
  });

  it('starts a stage only from an allowed status, and ends the run and its claim in one step', async () => {
    const { runs } = setup();
    await runs.enqueue({ runId: 'r1', table: 't.c', request: { source: 'x' } });
    const again = await runs.enqueue({ runId: 'r1', table: 't.c', request: { source: 'other' } });
    expect(again).toMatchObject({ created: false, record: { request: { source: 'x' } } });
    expect(await runs.begin('nope', 't.c', ['queued'], {})).toEqual({ kind: 'unknown' });
    expect(await runs.begin('r1', 't.c', ['written'], { status: 'auditing' })).toMatchObject({ kind: 'other', record: { status: 'queued' } });
    const started = await runs.begin('r1', 't.c', ['queued'], { status: 'writing', attempt: 'write', patch: { branch: 'wap/t.c/r1' } });
    expect(started).toMatchObject({ kind: 'started', lease: { runId: 'r1', token: 1 }, record: { status: 'writing', branch: 'wap/t.c/r1', attempts: { write: 1 } } });
    const ended = await runs.end('r1', 't.c', { status: 'rejected', patch: { error: { code: 'X', message: 'm', retryable: false } } });
    expect(ended.record).toMatchObject({ status: 'rejected', error: { code: 'X' } });
    expect(ended.record?.history.map((h) => h.status)).toEqual(['queued', 'writing', 'rejected']);
    expect(ended.record?.finishedAt).toBeDefined();
    expect(ended.next).toBeUndefined();
  });
});
