import { describe, expect, it } from 'vitest';
import { noopMetrics, type Logger, type Metrics } from '../../src/shared/observability/ports.js';
import { createPrefectSink, type FetchInitLike, type FetchLike } from '../../src/shared/observability/prefect/index.js';

/** The sink's own logic with a fake fetch; the behaviour against Prefect is in prefect.redis.test.ts. */

interface Call {
  readonly url: string;
  readonly init: FetchInitLike;
}

function fakePrefect(answer: (path: string) => { status: number; body?: unknown } = () => ({ status: 200 })): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const path = new URL(url).pathname.replace(/^\/api/, '');
    const forced = answer(path);
    if (forced.status !== 200) return { status: forced.status, text: async () => JSON.stringify(forced.body ?? { detail: 'no' }) };
    const body =
      path === '/flows/' ? { id: 'flow-1' }
      : path === '/flow_runs/' ? { id: 'fr-1', state: { type: 'PENDING' } }
      : path === '/task_runs/' ? { id: `tr-${String((JSON.parse(init.body ?? '{}') as { name?: string }).name)}` }
      : path.endsWith('/set_state') ? { status: 'ACCEPT' }
      : path === '/task_runs/filter' ? []
      : path === '/events' ? undefined
      : {};
    return { status: body === undefined ? 204 : 200, text: async () => (body === undefined ? '' : JSON.stringify(body)) };
  };
  return { fetch, calls };
}

function recording(): { metrics: Metrics; delivery: Record<string, number>; logger: Logger; lines: string[] } {
  const delivery: Record<string, number> = {};
  const lines: string[] = [];
  const logger: Logger = {
    debug: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`),
    info: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`),
    warn: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`),
    error: (f, m) => lines.push(`${m} ${JSON.stringify(f)}`),
    child: () => logger,
  };
  return {
    delivery,
    lines,
    logger,
    metrics: { ...noopMetrics, prefectDelivery: (outcome, count = 1) => void (delivery[outcome] = (delivery[outcome] ?? 0) + count) },
  };
}

const written = (runId: string) => ({ event: 'wap.run.written', runId, table: 'taxi.trips', payload: { branch: `wap/taxi.trips/${runId}`, commit: 'c1', rows: 3 } });

describe('Prefect sink (fake fetch)', () => {
  it('sends Bearer for a Cloud key and Basic for an auth string, and never logs either', async () => {
    for (const [auth, expected] of [
      [{ apiKey: 'pnu_secret' }, 'Bearer pnu_secret'],
      [{ authString: 'admin:s3cret' }, `Basic ${Buffer.from('admin:s3cret').toString('base64')}`],
    ] as const) {
      const fake = fakePrefect((path) => (path === '/events' ? { status: 500 } : { status: 200 }));
      const r = recording();
      const sink = createPrefectSink({ apiUrl: 'http://prefect.test/api', ...auth, logger: r.logger, metrics: r.metrics, fetch: fake.fetch, maxRetries: 0 });
      sink.emit(written('run-1'));
      await sink.close(2_000);
      expect(fake.calls.length).toBeGreaterThan(0);
      for (const call of fake.calls) expect(call.init.headers['authorization']).toBe(expected);
      expect(r.delivery['failed']).toBe(1);
      expect(r.lines.join('\n')).not.toMatch(/secret|s3cret/);
    }
  });

  it('returns from emit at once, drops the oldest when full, and counts it with one log line', async () => {
    const fake = fakePrefect();
    const r = recording();
    const sink = createPrefectSink({ apiUrl: 'http://prefect.test/api', logger: r.logger, metrics: r.metrics, fetch: fake.fetch, bufferSize: 3, flushIntervalMs: 60_000 });
    for (let i = 0; i < 10; i++) sink.emit(written(`run-${i}`));
    expect(sink.pending).toBe(3);
    expect(r.delivery['dropped']).toBe(7);
    expect(r.lines.filter((l) => l.includes('buffer full'))).toHaveLength(1);
    await sink.close(5_000);
    expect(r.delivery['sent']).toBe(3);
    const events = fake.calls.filter((c) => c.url.endsWith('/events')).flatMap((c) => JSON.parse(c.init.body ?? '[]') as Array<{ payload: { runId: string } }>);
    expect(events.map((e) => e.payload.runId)).toEqual(['run-7', 'run-8', 'run-9']);
  });

  it('retries with backoff, then counts the event failed; a 4xx is not retried', async () => {
    const down = fakePrefect(() => ({ status: 503 }));
    const r = recording();
    const sink = createPrefectSink({ apiUrl: 'http://prefect.test/api', logger: r.logger, metrics: r.metrics, fetch: down.fetch, maxRetries: 3, retryBaseMs: 10 });
    sink.emit(written('run-1'));
    await sink.flush(5_000);
    expect(r.delivery).toMatchObject({ retried: 3, failed: 1 });
    expect(down.calls).toHaveLength(4);
    await sink.close(100);

    const invalid = fakePrefect((path) => (path === '/flows/' ? { status: 422 } : { status: 200 }));
    const r2 = recording();
    const sink2 = createPrefectSink({ apiUrl: 'http://prefect.test/api', logger: r2.logger, metrics: r2.metrics, fetch: invalid.fetch, maxRetries: 3, retryBaseMs: 10 });
    sink2.emit(written('run-1'));
    await sink2.close(5_000);
    expect(r2.delivery).toEqual({ failed: 1 });
    expect(invalid.calls).toHaveLength(1);
  });

  it('keeps the event payload small: no report, capped lists, a stable id per (run, event)', async () => {
    const fake = fakePrefect();
    const r = recording();
    const sink = createPrefectSink({ apiUrl: 'http://prefect.test/api', logger: r.logger, metrics: r.metrics, fetch: fake.fetch, flushIntervalMs: 10 });
    const huge = 'x'.repeat(5_000_000);
    const failedChecks = Array.from({ length: 500 }, (_, i) => ({ name: `check_${i}`, type: 'not_null', failingCount: i, message: huge.slice(0, 10_000) }));
    const event = { event: 'wap.run.audit.failed', runId: 'run-1', table: 'taxi.trips', payload: { failedChecks, report: { blob: huge } } };
    sink.emit(event);
    sink.emit(event);
    await sink.close(5_000);
    const sent = fake.calls.filter((c) => c.url.endsWith('/events')).flatMap((c) => JSON.parse(c.init.body ?? '[]') as Array<{ id: string; payload: Record<string, unknown> }>);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.id).toBe(sent[1]?.id);
    expect(sent[0]?.payload['report']).toBeUndefined();
    expect((sent[0]?.payload['failedChecks'] as unknown[]).length).toBe(50);
    expect(JSON.stringify(sent[0]).length).toBeLessThan(300_000);
  });
});
