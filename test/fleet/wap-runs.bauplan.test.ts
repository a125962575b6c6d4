import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FloodgateProducer } from '../../src/producers/library.js';
import { loadConfig } from '../../src/shared/config/index.js';
import { openBauplan, type OpenedBauplan } from '../support/bauplan/harness.js';
import { trips, writeFile } from '../support/data.js';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { REPO_ROOT, TSX_LOADER } from '../support/paths.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/ports.js';

const NOT_NULL_ID = [{ type: 'not_null', column: 'id' }];
const ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');

describe('WAP runs on the Bauplan backend (fake Bauplan server, real Redis)', () => {
  let redis: TestRedis;
  let h: FleetHarness | undefined;
  let fake: OpenedBauplan | undefined;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => redis?.stop());
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await h?.stop();
    h = undefined;
    await fake?.cleanup();
    fake = undefined;
  });

  const rowsOn = async (lake: OpenedBauplan['lakehouse'], table: string) => Number((await lake.queryRows(`SELECT count(*) AS n FROM ${table}`))[0]?.['n']);

  it('publishes a good batch into main with the run id, from a username-prefixed branch', async () => {
    h = await startFleetHarness(redis.url, { open: () => openBauplan() });
    const opened = h.backend as OpenedBauplan;
    await writeFile(path.join(h.backend.dataDir, 'good.parquet'), trips(1000));
    const { runId } = await h.producer.enqueue({ table: 'taxi.trips', source: path.join(h.backend.dataDir, 'good.parquet'), checks: NOT_NULL_ID });
    const run = await h.producer.waitForRun(runId, { timeoutMs: 90_000 });
    expect(run).toMatchObject({ status: 'published', rows: 1000, branch: `wap/taxi.trips/${runId}` });
    expect(await rowsOn(h.backend.lakehouse, 'taxi.trips')).toBe(1000);
    const [head] = await h.backend.lakehouse.log('main', { limit: 5 });
    expect((await h.backend.lakehouse.log('main', { limit: 20 })).find((c) => c.id === run.publishedCommit)?.properties).toMatchObject({
      'floodgate.run-id': runId,
      'floodgate.audit.passed': 'true',
    });
    expect(head).toBeDefined();
    // On the server the run's branch carried the user's prefix, and it is gone after the publish.
    const remoteBranches = (await opened.fake.lakehouse.listBranches()).map((b) => b.name);
    expect(remoteBranches).toEqual(['main']);
    expect(opened.fake.submissions['TableDataImport']).toBe(3); // the batch and the two audit-history tables
    const history = await h.backend.lakehouse.queryRows(`SELECT count(*) AS n FROM _floodgate.audit_results WHERE run_id = '${runId}'`);
    expect(Number(history[0]?.['n'])).toBeGreaterThan(0);
  });

  it('ends a failed audit as audit_failed, main untouched, the quarantine branch kept under the user prefix', async () => {
    h = await startFleetHarness(redis.url, { open: () => openBauplan() });
    const opened = h.backend as OpenedBauplan;
    const file = (name: string) => path.join(h?.backend.dataDir ?? '', name);
    await writeFile(file('good.parquet'), trips(100));
    await writeFile(file('bad.parquet'), `SELECT CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS id, zone, fare, day FROM (${trips(50, 1000)})`);
    const good = await h.producer.enqueue({ table: 'taxi.trips', source: file('good.parquet'), checks: NOT_NULL_ID });
    expect((await h.producer.waitForRun(good.runId, { timeoutMs: 90_000 })).status).toBe('published');
    const before = await h.backend.lakehouse.getRef('main');
    const bad = await h.producer.enqueue({ table: 'taxi.trips', source: file('bad.parquet'), checks: NOT_NULL_ID });
    const run = await h.producer.waitForRun(bad.runId, { timeoutMs: 90_000 });
    expect(run.status).toBe('audit_failed');
    const report = run.report as { checks: Array<{ type: string; status: string; failingCount: number }> };
    expect(report.checks.find((c) => c.type === 'not_null')).toMatchObject({ status: 'failed', failingCount: 5 });
    expect((await h.backend.lakehouse.getRef('main')).commit).toBe(before.commit);
    expect(await rowsOn(h.backend.lakehouse, 'taxi.trips')).toBe(100);
    expect((await h.backend.lakehouse.listBranches({ prefix: 'wap/' })).map((b) => b.name)).toEqual([`wap/taxi.trips/${bad.runId}`]);
    expect((await opened.fake.lakehouse.listBranches({ prefix: 'alice.' })).map((b) => b.name)).toEqual([`alice.wap/taxi.trips/${bad.runId}`]);
  });

  it('resumes a crashed worker\'s import job instead of submitting a second one', async () => {
    fake = await openBauplan();
    const env: Record<string, string> = {
      ...fake.env,
      FLOODGATE_SOURCE_ROOTS: fake.dataDir,
      REDIS_URL: redis.url,
      FLOODGATE_REDIS_PREFIX: uniquePrefix(),
      FLOODGATE_JOB_LOCK_MS: '2000',
      FLOODGATE_METRICS_PORT: '0',
      FLOODGATE_JANITOR_INTERVAL_MS: '0',
      FLOODGATE_LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env, { cwd: fake.dataDir });
    const spawnWorker = () => {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, 'worker', '--concurrency', '1', '--grace', '2'], {
        env: { ...process.env, ...env },
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    };
    const producer = new FloodgateProducer({ connection: redis.url, prefix: config.fleet.prefix, sourceRoots: [fake.dataDir], cwd: fake.dataDir });
    try {
      await writeFile(path.join(fake.dataDir, 'batch.parquet'), trips(500));
      fake.fake.holdJobs(true, ['TableDataImport']);
      const first = spawnWorker();
      const { runId } = await producer.enqueue({ table: 'taxi.trips', source: path.join(fake.dataDir, 'batch.parquet'), checks: NOT_NULL_ID });
      // The plan and create jobs have run; the import job is submitted (and held) and its id is in the ledger.
      await waitFor('the import job to be submitted', async () => fake?.fake.submissions['TableDataImport'] === 1, 60_000);
      await waitFor('the import job id in the ledger', async () => (await producer.getRun(runId))?.resume?.['write.bauplan.import'] !== undefined, 10_000);
      const importJobs = [...fake.fake.jobs.values()].filter((j) => j.rpc === 'TableDataImport').map((j) => j.id);
      expect((await producer.getRun(runId))?.resume?.['write.bauplan.import']).toBe(importJobs[0]);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      spawnWorker();
      fake.fake.holdJobs(false);
      const run = await producer.waitForRun(runId, { timeoutMs: 90_000 });
      expect(run).toMatchObject({ status: 'published', rows: 500 });
      expect(fake.fake.submissions['TableDataImport']).toBe(3); // one for the batch, two for the audit history
      expect(await rowsOn(fake.lakehouse, 'taxi.trips')).toBe(500);
    } finally {
      await producer.close();
    }
  });
});
