import path from 'node:path';
import { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/producers/api/index.js';
import { FloodgateProducer } from '../../src/producers/library.js';
import { loadConfig, type Config } from '../../src/shared/config/index.js';
import { QUEUE_NAMES } from '../../src/shared/jobs/index.js';
import { createPromMetrics, createRegistry, registerQueueDepth, startMetricsServer, type DepthQueue } from '../../src/shared/observability/metrics/index.js';
import { startFleet, type Fleet } from '../../src/workers/fleet.js';
import { createQueues } from '../../src/workers/runtime.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';
import { freePort } from '../support/ports.js';
import { promtool, requireBinary, startPrometheus } from '../support/prometheus.js';
import { startTestRedis, uniquePrefix, type TestRedis } from '../support/redis.js';

const NOT_NULL_ID = [{ type: 'not_null', column: 'id' }];

/** The value of one series in a registry (`_count`, `_sum` and `_bucket` of histograms too), or undefined. */
async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const family = name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(name) ?? registry.getSingleMetric(family);
  if (metric === undefined) return undefined;
  const { values } = await metric.get();
  const found = values.find(
    (v) => ((v as { metricName?: string }).metricName ?? name) === name && Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return found?.value;
}

function expectPromtoolMetricsOk(text: string): void {
  const result = promtool(['check', 'metrics'], text);
  expect({ status: result.status, problems: `${result.stdout}${result.stderr}`.trim() }).toEqual({ status: 0, problems: '' });
}

describe('Prometheus metrics of a real fleet (real Redis, local lakehouse, promtool, prometheus)', () => {
  let redis: TestRedis;
  let backend: OpenedBackend;
  let config: Config;
  let fleet: Fleet;
  let producer: FloodgateProducer;
  const registry = createRegistry();

  beforeAll(async () => {
    requireBinary('promtool');
    requireBinary('prometheus');
    redis = await startTestRedis();
    backend = await openLocal();
    config = loadConfig(
      {
        FLOODGATE_HOME: backend.config.home,
        FLOODGATE_SOURCE_ROOTS: backend.dataDir,
        FLOODGATE_AUTHOR: 'tests',
        REDIS_URL: redis.url,
        FLOODGATE_REDIS_PREFIX: uniquePrefix(),
        FLOODGATE_ATTEMPTS: '3',
        FLOODGATE_BACKOFF_MS: '100',
      },
      { cwd: backend.dataDir },
    );
    fleet = await startFleet({
      config,
      redisUrl: redis.url,
      lakehouse: backend.lakehouse,
      stages: ['write', 'audit', 'publish'],
      concurrency: 2,
      metrics: createPromMetrics(registry),
    });
    producer = new FloodgateProducer({ connection: redis.url, prefix: config.fleet.prefix, sourceRoots: config.lakehouse.sourceRoots, cwd: backend.dataDir });

    const good = await writeFile(path.join(backend.dataDir, 'good.parquet'), trips(200));
    const bad = await writeFile(path.join(backend.dataDir, 'bad.parquet'), `SELECT CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS id, zone, fare, day FROM (${trips(50, 1000)})`);
    const happy = await producer.enqueue({ table: 'taxi.trips', source: good, checks: NOT_NULL_ID });
    expect((await producer.waitForRun(happy.runId, { timeoutMs: 60_000 })).status).toBe('published');
    const failed = await producer.enqueue({ table: 'taxi.trips', source: bad, checks: NOT_NULL_ID });
    expect((await producer.waitForRun(failed.runId, { timeoutMs: 60_000 })).status).toBe('audit_failed');
  });

  afterAll(async () => {
    await producer?.close();
    await fleet?.close(5_000);
    await backend?.cleanup();
    await redis?.stop();
  });

  it('counts one published and one audit_failed run, the rows and the stage durations', async () => {
    expect(await sample(registry, 'floodgate_runs_total', { table: 'taxi.trips', outcome: 'published' })).toBe(1);
    expect(await sample(registry, 'floodgate_runs_total', { table: 'taxi.trips', outcome: 'audit_failed' })).toBe(1);
    // Every audited check is counted: the bad batch failed not_null once, the good one passed it.
    expect(await sample(registry, 'floodgate_audit_checks_total', { check_type: 'not_null', status: 'failed' })).toBe(1);
    expect(await sample(registry, 'floodgate_audit_checks_total', { check_type: 'not_null', status: 'passed' })).toBe(1);
    expect(await sample(registry, 'floodgate_rows_ingested_total', { table: 'taxi.trips' })).toBe(250);
    expect(await sample(registry, 'floodgate_bytes_ingested_total', { table: 'taxi.trips' })).toBeGreaterThan(0);
    // write and audit ran twice; publish once (the failed audit stops the run).
    expect(await sample(registry, 'floodgate_stage_duration_seconds_count', { stage: 'write', outcome: 'ok' })).toBe(2);
    expect(await sample(registry, 'floodgate_stage_duration_seconds_count', { stage: 'publish', outcome: 'ok' })).toBe(1);
    const text = await registry.metrics();
    expect(text).not.toMatch(/run_?id=|branch=|wap\//);
  });

  it('passes promtool check metrics on the worker registry', async () => {
    expectPromtoolMetricsOk(await registry.metrics());
  });

  it("passes promtool check metrics on the API's /metrics, with the queue depth gauges", async () => {
    const apiRegistry = createRegistry();
    const queues = createQueues(redis.client(), config.fleet);
    registerQueueDepth(apiRegistry, queues);
    const app = buildApi({ config, registry: apiRegistry, producer, redis: redis.client() });
    try {
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
      expectPromtoolMetricsOk(response.body);
      expect(response.body).toMatch(/^floodgate_queue_jobs\{queue="wap-publish",state="completed"\} 1$/m);
      // A failed audit is a verdict, not a failed job: both audit jobs completed.
      expect(response.body).toMatch(/^floodgate_queue_jobs\{queue="wap-audit",state="completed"\} 2$/m);
      expect(response.body).toMatch(/^floodgate_queue_jobs\{queue="wap-write",state="failed"\} 0$/m);
      expect(response.body).toMatch(/^floodgate_queue_oldest_waiting_age_seconds\{queue="wap-write"\} 0$/m);
      expect(response.body).toContain('process_cpu_user_seconds_total');
    } finally {
      await app.close();
      await Promise.all(Object.values(queues).map((q) => q.close()));
    }
  });

  it('answers a scrape while Redis does not, leaving the queue gauges out', async () => {
    // A queue whose Redis never answers, as when the server is stopped or unreachable.
    const silent: DepthQueue = { name: 'wap-write', getJobCounts: () => new Promise<never>(() => undefined), getWaiting: () => new Promise<never>(() => undefined) };
    const depthRegistry = createRegistry();
    registerQueueDepth(depthRegistry, [silent]);
    const started = Date.now();
    const text = await depthRegistry.metrics();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text).toContain('# TYPE floodgate_queue_jobs gauge');
    expect(text).not.toMatch(/^floodgate_queue_jobs\{/m);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reports waiting jobs and the age of the oldest for a queue no worker takes from', async () => {
    const prefix = uniquePrefix();
    const queue = new Queue(QUEUE_NAMES.write, { connection: redis.client(), prefix });
    const depthRegistry = createRegistry();
    registerQueueDepth(depthRegistry, [queue]);
    try {
      await queue.add('stage', { runId: 'r1' }, { jobId: 'r1-write', timestamp: Date.now() - 120_000 });
      await queue.add('stage', { runId: 'r2' }, { jobId: 'r2-write' });
      expect(await sample(depthRegistry, 'floodgate_queue_jobs', { queue: 'wap-write', state: 'waiting' })).toBe(2);
      expect(await sample(depthRegistry, 'floodgate_queue_jobs', { queue: 'wap-write', state: 'active' })).toBe(0);
      const age = await sample(depthRegistry, 'floodgate_queue_oldest_waiting_age_seconds', { queue: 'wap-write' });
      expect(age).toBeGreaterThanOrEqual(119);
      expect(age).toBeLessThan(600);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('is scraped by a real Prometheus from a metrics server, and PromQL returns the run counters', async () => {
    const server = await startMetricsServer({ registry, port: await freePort(), host: '127.0.0.1', ready: async () => true });
    const prometheus = await startPrometheus([new URL(server.url).host]);
    try {
      let result: Awaited<ReturnType<typeof prometheus.query>> = [];
      const deadline = Date.now() + 30_000;
      while (result.length < 4 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        result = await prometheus.query('floodgate_runs_total');
      }
      const byOutcome = Object.fromEntries(result.map((r) => [r.metric['outcome'], { table: r.metric['table'], value: Number(r.value[1]), job: r.metric['job'] }]));
      // The table's other outcomes exist at 0 from its first job on, so increase() sees their first event.
      expect(byOutcome).toEqual({
        published: { table: 'taxi.trips', value: 1, job: 'floodgate-test' },
        audit_failed: { table: 'taxi.trips', value: 1, job: 'floodgate-test' },
        rejected: { table: 'taxi.trips', value: 0, job: 'floodgate-test' },
        failed: { table: 'taxi.trips', value: 0, job: 'floodgate-test' },
      });
      const up = await prometheus.query('up');
      expect(up.map((r) => r.value[1])).toEqual(['1']);
    } finally {
      await prometheus.stop();
      await server.close();
    }
  });
});
