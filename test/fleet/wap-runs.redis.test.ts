import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { trips, writeFile } from '../support/data.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const NOT_NULL_ID = [{ type: 'not_null', column: 'id' }];

describe('WAP runs through the three queues (real Redis, local lakehouse)', () => {
  let redis: TestRedis;
  let h: FleetHarness;
  const file = (name: string) => path.join(h.backend.dataDir, name);
  const mainRows = async (table: string) =>
    Number((await h.backend.lakehouse.queryRows(`SELECT count(*) AS n FROM ${table}`))[0]?.['n']);

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());
  beforeEach(async () => {
    h = await startFleetHarness(redis.url);
  });
  afterEach(async () => h?.stop());

  it('publishes a good batch, records the audit, deletes the branch and frees the table', async () => {
    await writeFile(file('good.parquet'), trips(1000));
    const { runId, created } = await h.producer.enqueue({ table: 'taxi.trips', source: file('good.parquet'), checks: NOT_NULL_ID });
    expect(created).toBe(true);
    const run = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'published', rows: 1000, branch: `wap/taxi.trips/${runId}` });
    expect(run.history.map((s) => s.status)).toEqual(['queued', 'writing', 'written', 'auditing', 'audited', 'publishing', 'published']);
    expect(await mainRows('taxi.trips')).toBe(1000);
    const log = await h.backend.lakehouse.log('main', { limit: 10 });
    const published = log.find((c) => c.id === run.publishedCommit);
    expect(published?.properties).toMatchObject({ 'floodgate.run-id': runId, 'floodgate.audit.passed': 'true' });
    expect(log.filter((c) => c.properties['floodgate.run-id'] === runId && c.properties['floodgate.operation'] !== 'import')).toHaveLength(1);
    expect(await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).toEqual([]);
    expect(await h.fleet.deps.locks.holder('taxi.trips')).toBeUndefined();
    expect(await h.fleet.deps.locks.line('taxi.trips')).toEqual([]);
    const history = await h.backend.lakehouse.queryRows(`SELECT count(*) AS n FROM _floodgate.audit_results WHERE run_id = '${runId}'`);
    expect(Number(history[0]?.['n'])).toBeGreaterThan(0);
  });

  it('re-delivered after a crash before the run ended, a publish finds its commit and history on main and adds nothing twice', async () => {
    await writeFile(file('good.parquet'), trips(200));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source: file('good.parquet'), checks: NOT_NULL_ID });
    const first = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(first.status).toBe('published');
    const count = async (sql: string) => Number((await h.backend.lakehouse.queryRows(sql))[0]?.['n']);
    const traces = async () => ({
      rows: await mainRows('taxi.trips'),
      results: await count(`SELECT count(*) AS n FROM _floodgate.audit_results WHERE run_id = '${runId}'`),
      loadedFiles: await count(`SELECT count(*) AS n FROM _floodgate.loaded_files WHERE run_id = '${runId}'`),
      publishes: (await h.backend.lakehouse.log('main', { limit: 50 })).filter(
        (c) => c.properties['floodgate.run-id'] === runId && c.properties['floodgate.operation'] !== 'import',
      ).length,
    });
    const before = await traces();
    expect(before).toEqual({ rows: 200, results: 2, loadedFiles: 1, publishes: 1 });

    // What a worker killed after the history appends, before the run's end, leaves behind:
    // the run still publishing, its commit not yet in the ledger. BullMQ then delivers the job again.
    // (Written into the hash directly: the ledger never moves a finished run back.)
    const key = redisKeys(h.config.fleet.prefix).run(runId);
    await h.fleet.redis.hdel(key, 'publishedCommit', 'finishedAt');
    await h.fleet.redis.hset(key, 'status', 'publishing');
    await h.fleet.redis.hincrby(key, 'attempt:publish', 1);
    await h.fleet.queues.publish.add('publish', { runId, table: 'taxi.trips' }, { jobId: `${runId}-again` });
    await expect.poll(async () => (await h.producer.getRun(runId))?.attempts.publish, { timeout: 30_000 }).toBe(3);
    const again = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(again).toMatchObject({ status: 'published', publishedCommit: first.publishedCommit });
    expect(await traces()).toEqual(before);
    expect(await h.fleet.deps.locks.holder('taxi.trips')).toBeUndefined();
  });

  it('ends a failed audit as audit_failed with main untouched, keeping or deleting the branch as asked', async () => {
    await writeFile(file('good.parquet'), trips(100));
    await writeFile(file('bad-1.parquet'), `SELECT CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS id, zone, fare, day FROM (${trips(50, 1000)})`);
    await writeFile(file('bad-2.parquet'), `SELECT CASE WHEN id % 5 = 0 THEN NULL ELSE id END AS id, zone, fare, day FROM (${trips(50, 2000)})`);
    const good = await h.producer.enqueue({ table: 'taxi.trips', source: file('good.parquet'), checks: NOT_NULL_ID });
    await h.producer.waitForRun(good.runId, { timeoutMs: 60_000 });
    const mainBefore = await h.backend.lakehouse.getRef('main');

    const kept = await h.producer.enqueue({ table: 'taxi.trips', source: file('bad-1.parquet'), checks: NOT_NULL_ID });
    const keptRun = await h.producer.waitForRun(kept.runId, { timeoutMs: 60_000 });
    expect(keptRun.status).toBe('audit_failed');
    const report = keptRun.report as { passed: boolean; checks: Array<{ type: string; status: string; failingCount: number }> };
    expect(report.passed).toBe(false);
    expect(report.checks.find((c) => c.type === 'not_null')).toMatchObject({ status: 'failed', failingCount: 5 });
    expect((await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).map((b) => b.name)).toEqual([`wap/taxi.trips/${kept.runId}`]);

    const deleted = await h.producer.enqueue({ table: 'taxi.trips', source: file('bad-2.parquet'), checks: NOT_NULL_ID, onAuditFailure: 'delete' });
    expect((await h.producer.waitForRun(deleted.runId, { timeoutMs: 60_000 })).status).toBe('audit_failed');
    expect((await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).map((b) => b.name)).toEqual([`wap/taxi.trips/${kept.runId}`]);
    expect((await h.backend.lakehouse.getRef('main')).commit).toBe(mainBefore.commit);
    expect(await mainRows('taxi.trips')).toBe(100);
    expect(await h.fleet.deps.locks.holder('taxi.trips')).toBeUndefined();
  });

  it('rejects a corrupt source at once without retries, and main is untouched', async () => {
    const fs = await import('node:fs/promises');
    await fs.writeFile(file('corrupt.parquet'), Buffer.from('PAR1 this is not parquet PAR1'));
    const before = await h.backend.lakehouse.getRef('main');
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source: file('corrupt.parquet') });
    const run = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'rejected', error: { code: 'SOURCE_UNREADABLE', retryable: false, stage: 'write' }, attempts: { write: 1 } });
    expect((await h.backend.lakehouse.getRef('main')).commit).toBe(before.commit);
    expect(await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).toEqual([]);
    expect(await h.fleet.deps.locks.holder('taxi.trips')).toBeUndefined();
  });

  it('gives one run for a duplicate enqueue, and refuses a bad request before enqueueing anything', async () => {
    await writeFile(file('a.parquet'), trips(10));
    const first = await h.producer.enqueue({ table: 'taxi.trips', source: file('a.parquet') });
    const second = await h.producer.enqueue({ table: 'taxi.trips', source: file('a.parquet') });
    expect(second).toMatchObject({ runId: first.runId, created: false });
    const keyed = await h.producer.enqueue({ table: 'taxi.trips', source: file('a.parquet'), idempotencyKey: 'batch-42' });
    expect(keyed.runId).not.toBe(first.runId);
    await h.producer.waitForRun(first.runId, { timeoutMs: 60_000 });
    await h.producer.waitForRun(keyed.runId, { timeoutMs: 60_000 });
    expect(await mainRows('taxi.trips')).toBe(20);

    await expect(h.producer.enqueue({ table: 'Taxi', source: '', mode: 'upsert', checks: [{ type: 'not_null' }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      details: { issues: expect.arrayContaining([expect.objectContaining({ path: 'table' }), expect.objectContaining({ path: 'mode' })]) },
    });
    await expect(h.producer.enqueue({ table: 'taxi.trips', source: '/etc/passwd' })).rejects.toMatchObject({ code: 'SOURCE_NOT_ALLOWED' });
    expect((await h.producer.listRuns()).length).toBe(2);

    // A relative source is the producer's (its cwd is the data folder): the run keeps it absolute,
    // so the workers, running from another folder, read the same file.
    await writeFile(file('rel.parquet'), trips(5, 500));
    const relative = await h.producer.enqueue({ table: 'taxi.trips', source: 'rel.parquet' });
    const run = await h.producer.waitForRun(relative.runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'published', rows: 5, request: { source: file('rel.parquet') } });
    expect(process.cwd()).not.toBe(h.backend.dataDir);
  });

  it('knows a file reached through a symlink as the file: one run, and not_already_loaded refuses a second load', async () => {
    const fs = await import('node:fs/promises');
    await fs.mkdir(file('real'), { recursive: true });
    await writeFile(file('real/b.parquet'), trips(10, 300));
    await fs.symlink(file('real'), file('linked'));
    const checks = [{ type: 'not_already_loaded' }];
    const direct = await h.producer.enqueue({ table: 'taxi.links', source: file('real/b.parquet'), checks });
    const viaLink = await h.producer.enqueue({ table: 'taxi.links', source: file('linked/b.parquet'), checks });
    expect(viaLink).toMatchObject({ runId: direct.runId, created: false });
    expect((await h.producer.waitForRun(direct.runId, { timeoutMs: 60_000 })).status).toBe('published');
    const again = await h.producer.enqueue({ table: 'taxi.links', source: file('linked/b.parquet'), checks, idempotencyKey: 'via-link' });
    expect((await h.producer.waitForRun(again.runId, { timeoutMs: 60_000 })).status).toBe('audit_failed');
    expect(await mainRows('taxi.links')).toBe(10);
  });

  it('publishes runs of one table in enqueue order, and runs of other tables alongside', async () => {
    for (let i = 0; i < 4; i++) await writeFile(file(`b${i}.parquet`), trips(10 + i, i * 100));
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await h.producer.enqueue({ table: i < 3 ? 'taxi.trips' : 'taxi.zones', source: file(`b${i}.parquet`) }));
    const finished = await Promise.all(runs.map((r) => h.producer.waitForRun(r.runId, { timeoutMs: 90_000 })));
    expect(finished.map((r) => r.status)).toEqual(['published', 'published', 'published', 'published']);
    const tripsRuns = finished.slice(0, 3);
    const publishedAt = tripsRuns.map((r) => r.finishedAt ?? '');
    expect([...publishedAt].sort()).toEqual(publishedAt);
    expect(await mainRows('taxi.trips')).toBe(10 + 11 + 12);
    expect(await mainRows('taxi.zones')).toBe(13);
  });

  it('publishes a run whose table was compacted and its snapshots expired on main while it waited', async () => {
    const lake = h.backend.lakehouse;
    for (let i = 0; i < 3; i++) {
      await writeFile(file(`old${i}.parquet`), trips(10, i * 10));
      await lake.importData({ table: 'taxi.trips', source: file(`old${i}.parquet`), branch: 'main' });
    }
    await h.fleet.queues.publish.pause();
    await writeFile(file('new.parquet'), trips(25, 1000));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source: file('new.parquet'), checks: NOT_NULL_ID });
    await expect.poll(async () => (await h.producer.getRun(runId))?.status, { timeout: 30_000 }).toBe('audited');
    // What `floodgate lake compact` and `floodgate lake expire` do meanwhile, outside the fleet.
    expect(await lake.compactTable?.('taxi.trips')).toMatchObject({ outcome: 'compacted', filesAfter: 1 });
    expect(await lake.expireSnapshots?.('taxi.trips', { olderThanMs: 0 })).toMatchObject({ outcome: 'expired' });
    await h.fleet.queues.publish.resume();
    const run = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run.status).toBe('published');
    expect(await mainRows('taxi.trips')).toBe(55);
    const [published] = (await lake.log('main', { limit: 10 })).filter((c) => c.id === run.publishedCommit);
    expect(published?.properties).toMatchObject({ 'floodgate.run-id': runId, 'floodgate.rebased-tables': 'taxi.trips' });
  });
});
