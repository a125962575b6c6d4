import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/shared/lakehouse/errors.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { localFileIO, readTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { noopMetrics } from '../../src/shared/observability/ports.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { JANITOR_LEASE_MS, runJanitorOnce } from '../../src/workers/janitor.js';
import { EXPIRE_BATCH } from '../../src/workers/processors/context.js';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { trips, writeFile } from '../support/data.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** A lakehouse whose methods can be intercepted one call at a time. */
function intercepting(inner: Lakehouse, hooks: { importData?: () => Promise<void> }): Lakehouse {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'importData' && hooks.importData !== undefined) {
        return async (...args: Parameters<Lakehouse['importData']>) => {
          await hooks.importData?.();
          return target.importData(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('failure handling (real Redis)', () => {
  let redis: TestRedis;
  let h: FleetHarness | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('retries a transient error with backoff and then publishes once', async () => {
    let failures = 2;
    h = await startFleetHarness(redis.url, {
      wrap: (lake) =>
        intercepting(lake, {
          importData: async () => {
            if (failures-- > 0) throw new StorageUnavailableError('object store timed out');
          },
        }),
    });
    const source = await writeFile(path.join(h.backend.dataDir, 'a.parquet'), trips(20));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source });
    const run = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'published', attempts: { write: 3 } });
    expect(Number((await h.backend.lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(20);
  });

  it('fails a run whose transient errors outlast its attempts, releasing the table', async () => {
    h = await startFleetHarness(redis.url, {
      env: { FLOODGATE_ATTEMPTS: '2' },
      wrap: (lake) => intercepting(lake, { importData: async () => Promise.reject(new StorageUnavailableError('down')) }),
    });
    const source = await writeFile(path.join(h.backend.dataDir, 'a.parquet'), trips(5));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source });
    const run = await h.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'failed', error: { code: 'STORAGE_UNAVAILABLE', retryable: true }, attempts: { write: 2 } });
    expect(await h.fleet.deps.locks.holder('taxi.trips')).toBeUndefined();
    expect(await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).toEqual([]);
  });

  it('never lets a run whose lease was taken publish while the new holder has the table', async () => {
    let steal: (() => Promise<void>) | undefined;
    h = await startFleetHarness(redis.url, { env: { FLOODGATE_PARK_MS: '500' } });
    const harness = h;
    // The steal comes between the publish's start and its fence check, right before the merge.
    const { locks } = harness.fleet.deps;
    const holds = locks.holds.bind(locks);
    locks.holds = async (lease) => {
      await steal?.();
      return holds(lease);
    };
    const source = await writeFile(path.join(harness.backend.dataDir, 'a.parquet'), trips(5));
    const before = await harness.backend.lakehouse.getRef('main');
    let victim = '';
    steal = async () => {
      const record = (await harness.producer.listRuns()).find((r) => r.status === 'publishing');
      if (record === undefined || victim !== '') return;
      victim = record.runId;
      // What the janitor does to a run it believes dead: its claim goes, and the next run takes the table.
      const { runs } = harness.fleet.deps;
      await runs.end(record.runId, 'taxi.trips');
      await runs.enqueue({ runId: 'thief', table: 'taxi.trips', request: {} });
      expect(await runs.begin('thief', 'taxi.trips', ['queued'], {})).toMatchObject({ kind: 'started' });
    };
    const { runId } = await harness.producer.enqueue({ table: 'taxi.trips', source });
    await expect.poll(() => victim, { timeout: 30_000 }).toBe(runId);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await harness.producer.getRun(runId))?.status).toBe('publishing');
    expect((await harness.backend.lakehouse.getRef('main')).commit).toBe(before.commit);

    steal = undefined;
    await harness.fleet.deps.runs.end('thief', 'taxi.trips');
    const run = await harness.producer.waitForRun(runId, { timeoutMs: 60_000 });
    expect(run.status).toBe('published');
    const published = (await harness.backend.lakehouse.log('main', { limit: 20 })).filter(
      (c) => c.properties['floodgate.run-id'] === runId && c.properties['floodgate.operation'] !== 'import',
    );
    expect(published).toHaveLength(1);
  });

  it('runs different tables at the same time while runs of one table wait their turn', async () => {
    h = await startFleetHarness(redis.url, {
      concurrency: 4,
      wrap: (lake) => intercepting(lake, { importData: () => new Promise((resolve) => setTimeout(resolve, 700)) }),
    });
    const harness = h;
    const source = await writeFile(path.join(harness.backend.dataDir, 'a.parquet'), trips(5));
    const other = await writeFile(path.join(harness.backend.dataDir, 'b.parquet'), trips(6));
    const runs = [
      await harness.producer.enqueue({ table: 'taxi.one', source }),
      await harness.producer.enqueue({ table: 'taxi.two', source }),
      await harness.producer.enqueue({ table: 'taxi.one', source: other }),
    ];
    const done = await Promise.all(runs.map((r) => harness.producer.waitForRun(r.runId, { timeoutMs: 60_000 })));
    const span = (run: (typeof done)[number]) => ({
      start: Date.parse(run.history.find((s) => s.status === 'writing')?.at ?? ''),
      end: Date.parse(run.finishedAt ?? ''),
    });
    const [first, parallel, second] = done.map(span) as [ReturnType<typeof span>, ReturnType<typeof span>, ReturnType<typeof span>];
    expect(done.map((r) => r.status)).toEqual(['published', 'published', 'published']);
    // taxi.two overlapped taxi.one's first run; taxi.one's second run started only after its first finished.
    expect(parallel.start).toBeLessThan(first.end);
    expect(first.start).toBeLessThan(parallel.end);
    expect(second.start).toBeGreaterThanOrEqual(first.end);
  });

  it('compacts a table of many small batches while its last run still holds it, and never once the lease is gone', async () => {
    const compacted: string[] = [];
    const metrics = { ...noopMetrics, tableCompacted: (table: string, by: string, files: number) => compacted.push(`${table} by ${by}: ${files}`) };
    h = await startFleetHarness(redis.url, { env: { FLOODGATE_COMPACT_FILES: '3' }, metrics });
    const harness = h;
    const lake = harness.backend.lakehouse;
    const publish = async (i: number) => {
      const source = await writeFile(path.join(harness.backend.dataDir, `b${i}.parquet`), trips(10, i * 10));
      const { runId } = await harness.producer.enqueue({ table: 'taxi.trips', source });
      const run = await harness.producer.waitForRun(runId, { timeoutMs: 60_000 });
      expect(run.status).toBe('published');
      return runId;
    };
    const files = async () => (await lake.listTables('main')).find((t) => t.name === 'taxi.trips')?.files;
    const compactions = async () => (await lake.log('main', { limit: 100 })).filter((c) => c.properties['floodgate.operation'] === 'compact');

    await publish(0);
    await publish(1);
    expect(await files()).toBe(2);
    const third = await publish(2);
    expect(await files()).toBe(1);
    const [compaction] = await compactions();
    expect(compaction?.message).toBe(`compact taxi.trips after floodgate run ${third}`);
    expect(compacted).toEqual(['taxi.trips by publish: 3']);
    // The compaction is on main before the run ended: the run's end is the last thing it does.
    const record = await harness.producer.getRun(third);
    expect(Date.parse(compaction?.createdAt ?? '')).toBeLessThanOrEqual(Date.parse(record?.finishedAt ?? ''));
    expect(Number((await lake.queryRows('SELECT count(*) AS n, sum(id) AS s FROM taxi.trips'))[0]?.['n'])).toBe(30);

    // The lease is gone by the time a rewrite would commit: the fence the rewrite checks (and only
    // that one: the stages' own fencing checks see the real lease) reports it lost.
    const { locks } = harness.fleet.deps;
    const holds = locks.holds.bind(locks);
    let rewriteChecks = 0;
    locks.holds = async (lease) => {
      if (new Error().stack?.includes('tidyTable') !== true) return holds(lease);
      rewriteChecks++;
      return false;
    };
    await publish(3);
    await publish(4);
    expect(rewriteChecks).toBe(1);
    expect(await compactions()).toHaveLength(1);
    expect(compacted).toHaveLength(1);
    expect(await files()).toBe(3);
    expect(Number((await lake.queryRows('SELECT count(*) AS n FROM taxi.trips'))[0]?.['n'])).toBe(50);
  });

  it('lets the janitor compact the audit-history tables past the threshold, and history checks still see every load', async () => {
    const compacted: string[] = [];
    const metrics = { ...noopMetrics, tableCompacted: (table: string, by: string, files: number) => compacted.push(`${table} by ${by}: ${files}`) };
    h = await startFleetHarness(redis.url, { env: { FLOODGATE_HISTORY_COMPACT_FILES: '3', FLOODGATE_JANITOR_INTERVAL_MS: '0' }, metrics });
    const lake = h.backend.lakehouse;
    const checks = [{ type: 'not_already_loaded' }];
    const sources = await Promise.all([0, 1, 2].map((i) => writeFile(path.join(h!.backend.dataDir, `b${i}.parquet`), trips(10 + i))));
    const publish = async (source: string, key: string) => (await h!.producer.waitForRun((await h!.producer.enqueue({ table: 'taxi.trips', source, checks, idempotencyKey: key })).runId, { timeoutMs: 60_000 })).status;
    const count = async (table: string) => Number((await lake.queryRows(`SELECT count(*) AS n FROM ${table}`))[0]?.['n']);
    const files = async (table: string) => (await lake.listTables('main')).find((t) => t.name === table)?.files;

    expect(await publish(sources[0]!, 'k0')).toBe('published');
    expect(await publish(sources[1]!, 'k1')).toBe('published');
    expect((await h.fleet.janitor()).compactedTables).toEqual([]);
    expect(await publish(sources[2]!, 'k2')).toBe('published');
    const before = { results: await count('_floodgate.audit_results'), loaded: await count('_floodgate.loaded_files') };
    expect(await files('_floodgate.audit_results')).toBe(3);

    const report = await h.fleet.janitor();
    expect(report.compactedTables).toEqual([
      { table: '_floodgate.audit_results', filesBefore: 3, filesAfter: 1 },
      { table: '_floodgate.loaded_files', filesBefore: 3, filesAfter: 1 },
    ]);
    expect(compacted).toEqual(['_floodgate.audit_results by janitor: 3', '_floodgate.loaded_files by janitor: 3']);
    expect({ results: await count('_floodgate.audit_results'), loaded: await count('_floodgate.loaded_files') }).toEqual(before);
    expect(await files('_floodgate.loaded_files')).toBe(1);
    expect(await count('taxi.trips')).toBe(33);
    // Loading the first file again (a new idempotency key, so a new run) is caught from the compacted history.
    expect(await publish(sources[0]!, 'k0-again')).toBe('audit_failed');
    expect(await count('taxi.trips')).toBe(33);
  });

  it('expires old snapshots at publish and in the janitor, whose sweep then deletes what no kept commit needs; every row and past load is still seen', async () => {
    const expired: string[] = [];
    let orphans = 0;
    const metrics = {
      ...noopMetrics,
      snapshotsExpired: (table: string, by: string, count: number) => expired.push(`${table} by ${by}: ${count}`),
      orphansRemoved: (files: number) => (orphans += files),
    };
    // Everything older than 1 ms is history to give up; orphans go at any age.
    const env = { FLOODGATE_SNAPSHOT_RETENTION: '1ms', FLOODGATE_ORPHAN_MIN_AGE: '0', FLOODGATE_JANITOR_INTERVAL_MS: '0' };
    h = await startFleetHarness(redis.url, { env, metrics });
    const harness = h;
    const lake = harness.backend.lakehouse;
    const checks = [{ type: 'not_already_loaded' }];
    const sources: string[] = [];
    const publish = async (source: string, key: string) => {
      const { runId } = await harness.producer.enqueue({ table: 'taxi.trips', source, checks, idempotencyKey: key });
      return harness.producer.waitForRun(runId, { timeoutMs: 60_000 });
    };
    const snapshots = async (table: string) => {
      const info = (await lake.listTables('main')).find((t) => t.name === table);
      return (await readTableMetadata(localFileIO(), info?.metadataLocation ?? '')).snapshots.length;
    };
    const count = async (table: string) => Number((await lake.queryRows(`SELECT count(*) AS n FROM ${table}`))[0]?.['n']);
    const metadataFiles = async () => (await fs.readdir(path.join(harness.backend.config.warehouse, 'taxi', 'trips', 'metadata'))).length;

    let firstCommit = '';
    for (let i = 0; i < EXPIRE_BATCH; i++) {
      sources.push(await writeFile(path.join(harness.backend.dataDir, `b${i}.parquet`), trips(5, i * 5)));
      const run = await publish(sources[i]!, `k${i}`);
      expect(run.status).toBe('published');
      firstCommit ||= run.publishedCommit ?? '';
    }
    // EXPIRE_BATCH snapshots, one of them current: one short of a batch to expire.
    expect(await snapshots('taxi.trips')).toBe(EXPIRE_BATCH);
    expect(expired).toEqual([]);
    sources.push(await writeFile(path.join(harness.backend.dataDir, 'last.parquet'), trips(5, 1000)));
    const last = await publish(sources.at(-1)!, 'last');
    expect(last.status).toBe('published');
    expect(expired).toEqual([`taxi.trips by publish: ${EXPIRE_BATCH}`]);
    expect(await snapshots('taxi.trips')).toBe(1);
    const trim = (await lake.log('main', { limit: 20 })).find((c) => c.properties['floodgate.operation'] === 'expire-snapshots');
    expect(trim?.message).toBe(`expire old snapshots of taxi.trips after floodgate run ${last.runId}`);
    expect(Date.parse(trim?.createdAt ?? '')).toBeLessThanOrEqual(Date.parse(last.finishedAt ?? ''));
    const rows = 5 * (EXPIRE_BATCH + 1);
    expect(await count('taxi.trips')).toBe(rows);

    const before = { results: await count('_floodgate.audit_results'), loaded: await count('_floodgate.loaded_files'), metadata: await metadataFiles() };
    const report = await harness.fleet.janitor({ sweepNow: true });
    expect(report.expiredSnapshots).toEqual([
      { table: '_floodgate.audit_results', snapshotsBefore: EXPIRE_BATCH + 1, snapshotsAfter: 1 },
      { table: '_floodgate.loaded_files', snapshotsBefore: EXPIRE_BATCH + 1, snapshotsAfter: 1 },
    ]);
    expect(report.orphans?.filesDeleted).toBeGreaterThan(0);
    expect(orphans).toBe(report.orphans?.filesDeleted);
    expect(expired.slice(1)).toEqual([`_floodgate.audit_results by janitor: ${EXPIRE_BATCH}`, `_floodgate.loaded_files by janitor: ${EXPIRE_BATCH}`]);
    // The table versions of expired history are gone; main's rows and history are whole.
    expect(await metadataFiles()).toBeLessThan(before.metadata);
    expect({ results: await count('_floodgate.audit_results'), loaded: await count('_floodgate.loaded_files'), metadata: before.metadata }).toEqual(before);
    expect(await count('taxi.trips')).toBe(rows);
    await expect(lake.queryRows('SELECT count(*) FROM taxi.trips', { ref: `@${firstCommit}` })).rejects.toMatchObject({ code: 'HISTORY_EXPIRED' });
    // Loading the first file again is still caught from the trimmed, swept history.
    expect((await publish(sources[0]!, 'k0-again')).status).toBe('audit_failed');
    expect(await count('taxi.trips')).toBe(rows);
    // Within the sweep interval the workers' periodic pass does not sweep again.
    expect((await harness.fleet.janitor()).orphans).toBeUndefined();
  });

  it('runs the janitor in one process at a time, on a short lease it renews and frees only while it is its own', async () => {
    let lease: { ttl: number; holder: string | null } | undefined;
    let stolen = false;
    h = await startFleetHarness(redis.url, {
      stages: [],
      env: { FLOODGATE_JANITOR_INTERVAL_MS: '0' },
      // During the pass (it lists branches), look at the lease, then let another process take it over.
      wrap: (lake) =>
        new Proxy(lake, {
          get(target, property, receiver) {
            if (property !== 'listBranches') {
              const value: unknown = Reflect.get(target, property, receiver);
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            }
            return async (...args: Parameters<Lakehouse['listBranches']>) => {
              const client = redis.client();
              lease = { ttl: await client.pttl(lockKey), holder: await client.get(lockKey) };
              if (stolen) await client.set(lockKey, 'someone-else', 'PX', 60_000);
              return target.listBranches(...args);
            };
          },
        }),
    });
    const keys = redisKeys(h.config.fleet.prefix);
    const lockKey = `${keys.prefix}:janitor`;
    const options = { stuckAfterMs: 60_000, quarantineMs: 60_000, historyCompactFiles: 0, mainBranch: 'main' };
    const client = redis.client();

    await client.set(lockKey, 'another-process', 'PX', 60_000);
    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options)).toBeUndefined();
    expect(await client.get(lockKey)).toBe('another-process');
    await client.del(lockKey);

    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options)).toMatchObject({ failedRuns: [] });
    expect(lease?.holder).toMatch(new RegExp(`^${process.pid}:`));
    expect(lease?.ttl).toBeGreaterThan(0);
    expect(lease?.ttl).toBeLessThanOrEqual(JANITOR_LEASE_MS);
    expect(await client.exists(lockKey)).toBe(0);

    // A pass that outlived its lease does not free the lease of the process that took over.
    stolen = true;
    await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options);
    expect(await client.get(lockKey)).toBe('someone-else');
    await client.del(lockKey);
  });

  it("keeps a quarantine whose run the ledger forgot for the quarantine's retention, dated by its last commit", async () => {
    h = await startFleetHarness(redis.url, { stages: [], env: { FLOODGATE_JANITOR_INTERVAL_MS: '0' } });
    const keys = redisKeys(h.config.fleet.prefix);
    const lake = h.backend.lakehouse;
    await lake.createBranch('wap/taxi.trips/forgotten');
    await lake.importData({ table: 'taxi.trips', source: await writeFile(path.join(h.backend.dataDir, 'q.parquet'), trips(5)), branch: 'wap/taxi.trips/forgotten' });
    const options = { stuckAfterMs: 60_000, quarantineMs: 3_600_000, historyCompactFiles: 0, mainBranch: 'main' };
    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options)).toMatchObject({ deletedBranches: [] });
    expect((await lake.listBranches({ prefix: 'wap/' })).map((b) => b.name)).toEqual(['wap/taxi.trips/forgotten']);
    const later = { ...options, now: () => Date.now() + 2 * 3_600_000 };
    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, later)).toMatchObject({ deletedBranches: ['wap/taxi.trips/forgotten'] });
    expect(await lake.listBranches({ prefix: 'wap/' })).toEqual([]);
  });

  it('gives a run first in line that has no write job (its producer died before adding it) its job at once', async () => {
    h = await startFleetHarness(redis.url, { stages: [], env: { FLOODGATE_JANITOR_INTERVAL_MS: '0' } });
    const keys = redisKeys(h.config.fleet.prefix);
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source: await writeFile(path.join(h.backend.dataDir, 'a.parquet'), trips(5)) });
    await h.fleet.queues.write.remove(runId);
    const options = { stuckAfterMs: 30 * 60_000, quarantineMs: 60_000, historyCompactFiles: 0, mainBranch: 'main' };
    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options)).toMatchObject({ resumedRuns: [runId], failedRuns: [] });
    expect(await h.fleet.queues.write.getJob(runId)).toBeDefined();
    // With its job back, the next pass leaves it alone.
    expect(await runJanitorOnce(h.fleet.deps, h.fleet.redis, keys, options)).toMatchObject({ resumedRuns: [] });
  });

  it('lets the janitor fail a stuck run and hand its table to the next run', async () => {
    h = await startFleetHarness(redis.url, { stages: [], env: { FLOODGATE_STUCK_AFTER_MS: '1000', FLOODGATE_JANITOR_INTERVAL_MS: '0' } });
    const source = await writeFile(path.join(h.backend.dataDir, 'a.parquet'), trips(5));
    const other = await writeFile(path.join(h.backend.dataDir, 'b.parquet'), trips(6));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source });
    const next = await h.producer.enqueue({ table: 'taxi.trips', source: other });
    // Only the run first in line has a job; the next one waits for the table.
    expect(await h.fleet.queues.write.getJob(next.runId)).toBeUndefined();
    // The run starts writing, then its job disappears (a lost queue): nothing will move it on.
    expect(await h.fleet.deps.runs.begin(runId, 'taxi.trips', ['queued'], { status: 'writing' })).toMatchObject({ kind: 'started' });
    await h.fleet.queues.write.remove(runId);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const report = await h.fleet.janitor();
    expect(report.failedRuns).toEqual([runId]);
    expect((await h.producer.getRun(runId))?.status).toBe('failed');
    expect(await h.fleet.deps.locks.line('taxi.trips')).toEqual([next.runId]);
    expect(await h.fleet.queues.write.getJob(next.runId)).toBeDefined();

    // A run first in line that never got its job (its predecessor crashed while handing the
    // table on) is given one, not failed.
    await h.fleet.queues.write.remove(next.runId);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await h.fleet.janitor();
    expect(again.resumedRuns).toEqual([next.runId]);
    expect(again.failedRuns).toEqual([]);
    expect((await h.producer.getRun(next.runId))?.status).toBe('queued');
    expect(await h.fleet.queues.write.getJob(next.runId)).toBeDefined();
  });
});
