import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloodgateProducer } from '../../src/producers/library.js';
import { loadConfig } from '../../src/shared/config/index.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../src/shared/ledger/index.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { TableLocks } from '../../src/shared/locks/index.js';
import { redisKeys } from '../../src/shared/redis/keys.js';
import { writeFile } from '../support/data.js';
import { REPO_ROOT, TSX_LOADER } from '../support/paths.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

const WORKERS = 3;
const RUNS = 60;
const TABLES = 6;
const WAVES = 6;
const ROWS = 200;
const ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');

/** A seeded generator, so a failing chaos schedule can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('chaos: workers SIGKILLed at random while 60 runs go through', () => {
  let redis: TestRedis;
  let home: string;
  let data: string;
  const workers: Array<ChildProcess | undefined> = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-chaos-home-'));
    data = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-chaos-data-'));
  });
  afterAll(async () => {
    for (const worker of workers) worker?.kill('SIGKILL');
    await redis?.stop();
    await fs.rm(home, { recursive: true, force: true });
    await fs.rm(data, { recursive: true, force: true });
  });

  it('publishes every good run exactly once, quarantines every bad one, compacts without losing a row, and leaves no lock or stray branch', async () => {
    const seed = Number(process.env['CHAOS_SEED'] ?? Date.now() % 100_000);
    const rand = random(seed);
    const env: Record<string, string> = {
      FLOODGATE_HOME: home,
      FLOODGATE_SOURCE_ROOTS: data,
      REDIS_URL: redis.url,
      FLOODGATE_REDIS_PREFIX: uniquePrefix(),
      FLOODGATE_JOB_LOCK_MS: '2000',
      FLOODGATE_METRICS_PORT: '0',
      FLOODGATE_PARK_MS: '2000',
      FLOODGATE_ATTEMPTS: '10',
      FLOODGATE_BACKOFF_MS: '200',
      FLOODGATE_JANITOR_INTERVAL_MS: '1000',
      // Compaction under fire too: each publish that leaves 3 small files rewrites them while
      // workers die around it. The janitor rewrites the audit history at 6 files whenever it gets a
      // pass in (a worker killed mid-pass keeps the janitor's lease for up to 15 s, so whether it
      // does during this test is left open; the row counts below hold either way).
      FLOODGATE_COMPACT_FILES: '3',
      FLOODGATE_HISTORY_COMPACT_FILES: '6',
      // History expiry and the orphan sweep under fire too: only ref heads are kept (a 1 ms window),
      // and a sweep may run every 3 s, deleting unreferenced files older than 10 s (a write commits its
      // files well within that). In trial runs the janitor expired the history's snapshots under fire,
      // but its few passes found no orphan old enough yet; the sweep after the runs, below, is asserted.
      FLOODGATE_SNAPSHOT_RETENTION: '1ms',
      FLOODGATE_ORPHAN_MIN_AGE: '10s',
      FLOODGATE_ORPHAN_SWEEP_INTERVAL: '3s',
      FLOODGATE_DUCKDB_THREADS: '1',
      FLOODGATE_DUCKDB_MEMORY_LIMIT: '256MB',
      FLOODGATE_AUTHOR: 'chaos',
    };
    const config = loadConfig(env, { cwd: data });

    const spawnWorker = (index: number) => {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, 'worker', '--concurrency', '2', '--grace', '5'], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      workers[index] = child;
    };
    // The sources first; then the runs go in six waves, one per kill, so every kill lands while runs are in flight.
    const batches: Array<{ table: string; source: string; good: boolean }> = [];
    for (let i = 0; i < RUNS; i++) {
      const good = i % 5 !== 4;
      const ids = good ? `(range + ${i * 1000})::BIGINT` : `CASE WHEN range % 7 = 0 THEN NULL ELSE (range + ${i * 1000})::BIGINT END`;
      const source = await writeFile(path.join(data, `batch-${i}.parquet`), `SELECT ${ids} AS id, range % 13 AS v FROM range(${ROWS})`);
      batches.push({ table: `chaos.t${i % TABLES}`, source, good });
    }
    for (let i = 0; i < WORKERS; i++) spawnWorker(i);

    const runs: Array<{ runId: string; table: string; good: boolean }> = [];
    const producer = new FloodgateProducer({ connection: redis.url, prefix: config.fleet.prefix, sourceRoots: [data], cwd: data, attempts: 10, backoffMs: 200 });
    try {
      const enqueueWave = async () => {
        for (const { table, source, good } of batches.slice(runs.length, runs.length + RUNS / WAVES)) {
          const { runId } = await producer.enqueue({ table, source, checks: [{ type: 'not_null', column: 'id' }] });
          runs.push({ runId, table, good });
        }
      };
      await enqueueWave();

      const deadline = Date.now() + 180_000;
      let kills = 0;
      const finished = async () => {
        const records = await Promise.all(runs.map((r) => producer.getRun(r.runId)));
        return runs.length === RUNS && records.every((r) => r !== undefined && TERMINAL_STATUSES.has(r.status));
      };
      while (!(await finished())) {
        if (Date.now() > deadline) throw new Error(`runs did not finish in time (seed ${seed}, ${kills} kills)`);
        await new Promise((resolve) => setTimeout(resolve, 500 + rand() * 2000));
        if (kills < 25) {
          const victim = Math.floor(rand() * WORKERS);
          workers[victim]?.kill('SIGKILL');
          kills++;
          await new Promise((resolve) => setTimeout(resolve, 200));
          spawnWorker(victim);
        }
        await enqueueWave();
      }
      expect(kills, `seed ${seed}`).toBeGreaterThanOrEqual(WAVES);

      const records = (await Promise.all(runs.map((r) => producer.getRun(r.runId)))) as RunRecord[];
      for (const [i, record] of records.entries()) {
        expect(record.status, `run ${i} (seed ${seed}): ${JSON.stringify(record.error)} ${JSON.stringify(record.history)}`).toBe(runs[i]?.good === true ? 'published' : 'audit_failed');
      }

      const lake = await openLocalLakehouse(config.lakehouse);
      try {
        const log = await lake.log('main', { limit: 10_000 });
        for (const run of runs) {
          const publishes = log.filter((c) => c.properties['floodgate.run-id'] === run.runId && c.properties['floodgate.operation'] !== 'import');
          expect(publishes.length, `publishes of ${run.runId} (seed ${seed})`).toBe(run.good ? 1 : 0);
        }
        const compacted = new Set(log.filter((c) => c.properties['floodgate.operation'] === 'compact').map((c) => c.properties['floodgate.table']));
        expect([...compacted].filter((t) => t?.startsWith('chaos.')).length, `tables compacted (seed ${seed})`).toBeGreaterThan(0);
        for (let t = 0; t < TABLES; t++) {
          const table = `chaos.t${t}`;
          const expected = runs.filter((r) => r.good && r.table === table).length * ROWS;
          const [row] = await lake.queryRows(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${table}`);
          expect(row, `${table} (seed ${seed})`).toEqual({ n: expected, ids: expected });
        }
        const quarantines = records.filter((r) => r.status === 'audit_failed').map((r) => r.branch).sort();
        expect((await lake.listBranches({ prefix: 'wap/' })).map((b) => b.name).sort()).toEqual(quarantines);

        // Once the fleet is idle, a sweep of everything unreferenced (files of killed writes included)
        // leaves every table and every quarantine reading exactly what it did.
        const swept = await lake.removeOrphanFiles?.({ olderThanMs: 0, minAgeMs: 0 });
        expect(swept?.filesDeleted, `seed ${seed}`).toBeGreaterThan(0);
        for (let t = 0; t < TABLES; t++) {
          const expected = runs.filter((r) => r.good && r.table === `chaos.t${t}`).length * ROWS;
          expect((await lake.queryRows(`SELECT count(*) AS n FROM chaos.t${t}`))[0], `chaos.t${t} after the sweep (seed ${seed})`).toEqual({ n: expected });
        }
        for (const [i, record] of records.entries()) {
          if (record.status !== 'audit_failed') continue;
          const [row] = await lake.queryRows(`SELECT count(*) AS n FROM ${runs[i]?.table ?? ''}`, { ref: record.branch ?? '' });
          expect(Number(row?.['n']), `quarantine ${record.branch ?? ''} after the sweep (seed ${seed})`).toBeGreaterThan(0);
        }
      } finally {
        await lake.close();
      }

      const locks = new TableLocks(redis.client(), redisKeys(config.fleet.prefix), { ttlMs: 1000 });
      for (let t = 0; t < TABLES; t++) {
        expect(await locks.holder(`chaos.t${t}`)).toBeUndefined();
        expect(await locks.line(`chaos.t${t}`)).toEqual([]);
      }
    } finally {
      await producer.close();
    }
  }, 300_000);
});
