import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noopLogger, noopMetrics, type EventSink, type Metrics, type RunEvent } from '../../src/shared/observability/ports.js';
import { auditArtifactKeys, createPrefectSink, stableUuid, type PrefectSink } from '../../src/shared/observability/prefect/index.js';
import { trips, writeFile } from '../support/data.js';
import { freePort, waitFor } from '../support/ports.js';
import { startPrefect, type TestPrefect } from '../support/prefect.js';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const NOT_NULL_ID = [{ type: 'not_null', column: 'id' }];
const TABLE = 'taxi.trips';

/** Metrics that record Prefect deliveries. */
function recordingMetrics(): Metrics & { delivery: Record<string, number> } {
  const delivery: Record<string, number> = { sent: 0, retried: 0, failed: 0, dropped: 0 };
  return {
    ...noopMetrics,
    delivery,
    prefectDelivery: (outcome, count = 1) => {
      delivery[outcome] = (delivery[outcome] ?? 0) + count;
    },
  };
}

/** The sink as the fleet sees it, counting emits and timing the slowest. */
function observed(sink: EventSink): EventSink & { emitted: number; slowestMs: number } {
  const wrapper = {
    emitted: 0,
    slowestMs: 0,
    emit(event: RunEvent) {
      const started = performance.now();
      sink.emit(event);
      wrapper.slowestMs = Math.max(wrapper.slowestMs, performance.now() - started);
      wrapper.emitted++;
    },
  };
  return wrapper;
}

type Harness = FleetHarness;

/** The shared fleet harness with an events sink wired into the workers and the producer. */
function startHarness(redisUrl: string, events: EventSink): Promise<Harness> {
  return startFleetHarness(redisUrl, { events });
}

interface PrefectEventOut {
  id: string;
  event: string;
  resource: Record<string, string>;
  related: Array<Record<string, string>>;
  payload: Record<string, unknown>;
}
interface RunOut {
  id: string;
  name: string;
  state_type: string;
  idempotency_key?: string | null;
  task_inputs?: Record<string, Array<{ input_type: string; id: string }>>;
}

describe('Prefect sink against a real Prefect server and a real fleet', () => {
  let redis: TestRedis;
  let prefect: TestPrefect;

  beforeAll(async () => {
    [redis, prefect] = await Promise.all([startTestRedis(), startPrefect()]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), prefect?.stop()]);
  });

  const flowRunOf = async (runId: string): Promise<RunOut> => {
    const runs = await prefect.post<RunOut[]>('/flow_runs/filter', { flow_runs: { name: { any_: [runId] } } });
    expect(runs).toHaveLength(1);
    return runs[0] as RunOut;
  };
  const tasksOf = async (flowRunId: string): Promise<Record<string, RunOut>> => {
    const tasks = await prefect.post<RunOut[]>('/task_runs/filter', { flow_runs: { id: { any_: [flowRunId] } } });
    return Object.fromEntries(tasks.map((task) => [task.name, task]));
  };
  const eventsOf = async (flowRunId: string): Promise<PrefectEventOut[]> => {
    const answer = await prefect.post<{ events: PrefectEventOut[] }>('/events/filter', {
      filter: { event: { prefix: ['wap.'] }, related: { id: [`prefect.flow-run.${flowRunId}`] }, order: 'ASC' },
      limit: 50,
    });
    return answer.events;
  };

  it('mirrors a published run and a failed audit as events, flow and task runs, logs and artifacts', async () => {
    const metrics = recordingMetrics();
    const sink = createPrefectSink({ apiUrl: prefect.apiUrl, logger: noopLogger, metrics, flushIntervalMs: 100 });
    const events = observed(sink);
    const h = await startHarness(redis.url, events);
    try {
      const file = (name: string) => path.join(h.backend.dataDir, name);
      await writeFile(file('good.parquet'), trips(200));
      await writeFile(file('bad.parquet'), `SELECT CASE WHEN id % 10 = 0 THEN NULL ELSE id END AS id, zone, fare, day FROM (${trips(50, 1000)})`);
      const good = await h.producer.enqueue({ table: TABLE, source: file('good.parquet'), checks: NOT_NULL_ID });
      expect((await h.producer.waitForRun(good.runId, { timeoutMs: 60_000 })).status).toBe('published');
      const bad = await h.producer.enqueue({ table: TABLE, source: file('bad.parquet'), checks: NOT_NULL_ID });
      expect((await h.producer.waitForRun(bad.runId, { timeoutMs: 60_000 })).status).toBe('audit_failed');
      // A resend of an event (a retried job) carries the same id and is not stored twice.
      events.emit({ event: 'wap.run.published', runId: good.runId, table: TABLE, payload: { status: 'published', rows: 200 } });
      await sink.flush(30_000);
      expect(sink.pending).toBe(0);
      expect(metrics.delivery).toMatchObject({ failed: 0, dropped: 0 });
      expect(metrics.delivery['sent']).toBe(events.emitted);

      // Flow runs: one per run, keyed by the run id.
      const goodRun = await flowRunOf(good.runId);
      const badRun = await flowRunOf(bad.runId);
      expect(goodRun).toMatchObject({ state_type: 'COMPLETED', idempotency_key: good.runId });
      expect(badRun).toMatchObject({ state_type: 'FAILED', idempotency_key: bad.runId });

      // Task runs: states and the graph (audit's parent is write, publish's is audit).
      const goodTasks = await tasksOf(goodRun.id);
      expect(Object.keys(goodTasks).sort()).toEqual(['audit', 'publish', 'write']);
      expect(Object.values(goodTasks).map((t) => t.state_type)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      expect(goodTasks['audit']?.task_inputs?.['__parents__']).toEqual([{ input_type: 'task_run', id: goodTasks['write']?.id }]);
      expect(goodTasks['publish']?.task_inputs?.['__parents__']).toEqual([{ input_type: 'task_run', id: goodTasks['audit']?.id }]);
      const badTasks = await tasksOf(badRun.id);
      expect(badTasks['write']?.state_type).toBe('COMPLETED');
      expect(badTasks['audit']?.state_type).toBe('FAILED');
      expect(badTasks['publish']).toBeUndefined();

      // Events: persisted in batches about every 5 s, so poll.
      let goodEvents: PrefectEventOut[] = [];
      let badEvents: PrefectEventOut[] = [];
      await waitFor(
        'the runs’ events in Prefect',
        async () => {
          goodEvents = await eventsOf(goodRun.id);
          badEvents = await eventsOf(badRun.id);
          return goodEvents.length >= 4 && badEvents.length >= 3;
        },
        45_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // one more persist batch: a duplicate would show now
      goodEvents = await eventsOf(goodRun.id);
      badEvents = await eventsOf(badRun.id);
      expect(goodEvents.map((e) => e.event)).toEqual(['wap.run.enqueued', 'wap.run.written', 'wap.run.audit.passed', 'wap.run.published']);
      expect(badEvents.map((e) => e.event)).toEqual(['wap.run.enqueued', 'wap.run.written', 'wap.run.audit.failed']);
      for (const event of [...goodEvents, ...badEvents]) {
        expect(event.resource['prefect.resource.id']).toBe('wap.table.taxi.trips');
        expect(event.related).toContainEqual(expect.objectContaining({ 'prefect.resource.role': 'flow-run' }));
      }
      const published = goodEvents[3] as PrefectEventOut;
      expect(published.id).toBe(stableUuid('event', good.runId, 'wap.run.published'));
      expect(published.payload).toMatchObject({ runId: good.runId, status: 'published', rows: 200, branch: `wap/taxi.trips/${good.runId}` });
      expect(typeof published.payload['commit']).toBe('string');
      const written = goodEvents[1] as PrefectEventOut;
      expect(written.payload).toMatchObject({ rows: 200, branch: `wap/taxi.trips/${good.runId}` });
      const failed = badEvents[2] as PrefectEventOut;
      expect(failed.payload['failedChecks']).toEqual([expect.objectContaining({ type: 'not_null', failingCount: 5 })]);
      expect(failed.payload['report']).toBeUndefined();
      expect(failed.payload).toMatchObject({ rows: 50, branch: `wap/taxi.trips/${bad.runId}` });

      // Artifacts: the report as a table, and a markdown summary, on the flow run and the audit task.
      for (const [run, tasks, runId] of [[goodRun, goodTasks, good.runId], [badRun, badTasks, bad.runId]] as const) {
        const artifacts = await prefect.post<Array<{ key: string; type: string; data: unknown; task_run_id: string | null }>>('/artifacts/filter', {
          artifacts: { flow_run_id: { any_: [run.id] } },
        });
        const keys = auditArtifactKeys(runId);
        expect(keys.table).toMatch(/^[a-z0-9-]+$/);
        const table = artifacts.find((a) => a.key === keys.table);
        expect(table).toMatchObject({ type: 'table', task_run_id: tasks['audit']?.id });
        const rows = (typeof table?.data === 'string' ? JSON.parse(table.data) : table?.data) as Array<Record<string, unknown>>;
        expect(rows).toContainEqual(expect.objectContaining({ type: 'not_null', status: run === goodRun ? 'passed' : 'failed' }));
        expect(artifacts.find((a) => a.key === keys.markdown)).toMatchObject({ type: 'markdown' });
      }

      // Logs on the flow run, with Prefect's numeric levels.
      const logs = await prefect.post<Array<{ message: string; level: number }>>('/logs/filter', { logs: { flow_run_id: { any_: [badRun.id] } } });
      expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(['write started (attempt 1)', expect.stringMatching(/^audit failed: /)]));
      expect(logs.find((l) => l.message.startsWith('audit failed'))?.level).toBe(40);
    } finally {
      await h.stop();
      await sink.close(5_000);
    }
  });

  /** A port nothing listens on, and a server that accepts connections but never answers. */
  const outages = {
    'Prefect stopped (a closed port)': async () => ({ apiUrl: `http://127.0.0.1:${await freePort()}/api`, stop: async () => {} }),
    'Prefect hanging (accepts, never answers)': async () => {
      const sockets = new Set<net.Socket>();
      const server = net.createServer((socket) => sockets.add(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address() as net.AddressInfo;
      return {
        apiUrl: `http://127.0.0.1:${address.port}/api`,
        stop: async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  };

  it.each(Object.keys(outages))('still publishes runs promptly with %s, counting dropped and failed deliveries', async (name) => {
    const outage = await outages[name as keyof typeof outages]();
    const metrics = recordingMetrics();
    const sink: PrefectSink = createPrefectSink({
      apiUrl: outage.apiUrl,
      logger: noopLogger,
      metrics,
      bufferSize: 2,
      flushIntervalMs: 20,
      maxRetries: 2,
      retryBaseMs: 20,
      requestTimeoutMs: 300,
    });
    const events = observed(sink);
    const h = await startHarness(redis.url, events);
    try {
      const file = (f: string) => path.join(h.backend.dataDir, f);
      await writeFile(file('a.parquet'), trips(100));
      await writeFile(file('b.parquet'), trips(100, 100));
      const started = Date.now();
      const runs = await Promise.all([
        h.producer.enqueue({ table: TABLE, source: file('a.parquet'), checks: NOT_NULL_ID }),
        h.producer.enqueue({ table: 'taxi.trips_b', source: file('b.parquet'), checks: NOT_NULL_ID }),
      ]);
      for (const { runId } of runs) expect((await h.producer.waitForRun(runId, { timeoutMs: 30_000 })).status).toBe('published');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(events.emitted).toBeGreaterThanOrEqual(14);
      expect(events.slowestMs).toBeLessThan(20);
    } finally {
      await h.stop();
      await sink.close(5_000);
      await outage.stop();
    }
    // Every event ends sent, failed or dropped; with Prefect out, none is sent.
    expect(metrics.delivery['sent']).toBe(0);
    expect(metrics.delivery['dropped']).toBeGreaterThan(0);
    expect(metrics.delivery['failed']).toBeGreaterThan(0);
    expect((metrics.delivery['dropped'] ?? 0) + (metrics.delivery['failed'] ?? 0)).toBe(events.emitted);
  });
});
