import path from 'node:path';
import fs from 'node:fs/promises';
import { fastify, type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, startApi, type ApiProducer } from '../../src/producers/api/index.js';
import type { Config } from '../../src/shared/config/index.js';
import { FloodgateError } from '../../src/shared/errors/index.js';
import { trips, writeFile } from '../support/data.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { apiConfig, bearer, enqueued, ingest, recordingLogger, tempDir } from './support.js';

const TOKEN = 'tok-5f0c7d1e-api-secret';

describe('HTTP API (real Redis)', () => {
  let redis: TestRedis;
  let dir: string;
  let config: Config;
  const apps: FastifyInstance[] = [];
  const file = (name: string) => path.join(dir, name);
  const api = (options: Partial<Parameters<typeof buildApi>[0]> = {}) => {
    const app = buildApi({ config, ...options });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    dir = await tempDir();
    await writeFile(file('a.parquet'), trips(10));
    await writeFile(file('b.parquet'), trips(5, 100));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    config = apiConfig(redis.url, dir);
  });
  beforeAll(() => {
    config = apiConfig(redis.url, dir);
  });

  it('answers a new run with 202 and a duplicate with 200 and the existing run', async () => {
    const app = api();
    const first = await ingest(app, { table: 'taxi.trips', source: file('a.parquet') });
    expect(first.statusCode).toBe(202);
    const { runId } = first.json<{ runId: string }>();
    expect(runId).toMatch(/^r-[0-9a-f]{24}$/);
    expect(first.json()).toEqual({ runId, status: 'queued', created: true, links: { self: `/v1/runs/${runId}` } });
    expect(first.headers.location).toBe(`/v1/runs/${runId}`);

    const again = await ingest(app, { table: 'taxi.trips', source: file('a.parquet') });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ runId, status: 'queued', created: false, links: { self: `/v1/runs/${runId}` }, run: { runId, table: 'taxi.trips' } });

    const keyed = await ingest(app, { table: 'taxi.trips', source: file('a.parquet'), idempotencyKey: 'batch-7' });
    expect(keyed.statusCode).toBe(202);
    expect(keyed.json<{ runId: string }>().runId).not.toBe(runId);
    // Two runs of one table: only the first in line has its write job until the table is free.
    expect(await enqueued(redis.url, config)).toEqual({ runs: 2, jobs: 1 });
  });

  it('lists every validation issue at once and enqueues nothing', async () => {
    const app = api();
    const res = await ingest(app, { table: 'Taxi', source: file('a.parquet'), mode: 'upsert', checks: [{ type: 'not_null' }], colour: 'blue' });
    expect(res.statusCode).toBe(400);
    const { error } = res.json<{ error: { code: string; message: string; retryable: boolean; issues: Array<{ path: string; message: string }> } }>();
    expect(error).toMatchObject({ code: 'INVALID_INPUT', retryable: false });
    expect(error.issues.map((i) => i.path).sort()).toEqual(['', 'checks.0.column', 'mode', 'table']);
    for (const issue of error.issues) expect(issue.message).not.toBe('');
    // Worded as for checks files.
    expect(error.issues.find((i) => i.path === 'checks.0.column')?.message).toBe('expected string (the field is missing)');
    expect(error.issues.find((i) => i.path === 'mode')?.message).toBe('expected one of "append", "replace", got string "upsert"');
    // Two checks of one name, and a where that would leave its parentheses, are refused here too.
    const checks = [
      { type: 'row_count', min: 1, name: 'x' },
      { type: 'not_null', column: 'id', name: 'x', where: 'true) OR (true' },
    ];
    const named = await ingest(app, { table: 'taxi.trips', source: file('a.parquet'), checks });
    expect(named.statusCode).toBe(400);
    expect(named.json<{ error: { issues: Array<{ path: string; message: string }> } }>().error.issues).toEqual([
      { path: 'checks.1.where', message: "not one SQL expression: ')' at character 5 closes a bracket this text never opened" },
      { path: 'checks.1.name', message: '"x" is already the name of checks[0]' },
    ]);
    expect(await enqueued(redis.url, config)).toEqual({ runs: 0, jobs: 0 });
  });

  it('refuses a source outside the allowed roots, or one that matches nothing, with 400 and its code', async () => {
    const app = api();
    const outside = await ingest(app, { table: 'taxi.trips', source: '/etc/passwd' });
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({ error: { code: 'SOURCE_NOT_ALLOWED', retryable: false } });
    const scheme = await ingest(app, { table: 'taxi.trips', source: 'http://example.com/x.parquet' });
    expect(scheme.json()).toMatchObject({ error: { code: 'SOURCE_NOT_ALLOWED' } });
    const missing = await ingest(app, { table: 'taxi.trips', source: file('nothing-*.parquet') });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'SOURCE_NOT_FOUND' } });
    expect(await enqueued(redis.url, config)).toEqual({ runs: 0, jobs: 0 });
  });

  it('takes JSON only, within the body limit', async () => {
    const app = api({ bodyLimitBytes: 64 * 1024 });
    const text = await app.inject({ method: 'POST', url: '/v1/ingestions', headers: { 'content-type': 'text/plain' }, payload: 'table=taxi.trips' });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const broken = await app.inject({ method: 'POST', url: '/v1/ingestions', headers: { 'content-type': 'application/json' }, payload: '{"table": ' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    const big = await ingest(app, { table: 'taxi.trips', source: file('a.parquet'), labels: { note: 'x'.repeat(100_000) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('needs the bearer token when one is set, except for probes, metrics and the schema; the token never reaches the log', async () => {
    const logger = recordingLogger();
    const app = api({ token: TOKEN, logger });
    const body = { table: 'taxi.trips', source: file('a.parquet') };
    const none = await ingest(app, body);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect((await ingest(app, body, bearer('wrong'))).statusCode).toBe(401);
    expect((await ingest(app, body, bearer(`${TOKEN}x`))).statusCode).toBe(401);
    expect((await ingest(app, body, { authorization: TOKEN })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/runs' })).statusCode).toBe(401);
    expect((await app.inject({ url: `/v1/runs?token=${TOKEN}` })).statusCode).toBe(401);
    expect(await enqueued(redis.url, config)).toEqual({ runs: 0, jobs: 0 });

    expect((await ingest(app, body, bearer(TOKEN))).statusCode).toBe(202);
    expect((await app.inject({ url: '/v1/runs', headers: bearer(TOKEN) })).statusCode).toBe(200);
    for (const url of ['/healthz', '/readyz', '/metrics', '/v1/schema/ingestion-request']) {
      expect((await app.inject({ url })).statusCode, url).toBe(200);
    }
    expect(logger.lines.some((l) => l.message === 'request' && l.fields['status'] === 401)).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });

  it('reads one run (404 when unknown) and lists runs by table and status', async () => {
    const app = api();
    const a = (await ingest(app, { table: 'taxi.trips', source: file('a.parquet') })).json<{ runId: string }>();
    const b = (await ingest(app, { table: 'taxi.zones', source: file('b.parquet') })).json<{ runId: string }>();

    const one = await app.inject({ url: `/v1/runs/${a.runId}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ runId: a.runId, table: 'taxi.trips', status: 'queued', history: [{ status: 'queued' }] });
    expect((await app.inject({ url: '/v1/runs/r-000000000000000000000000' })).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await app.inject({ url: '/v1/runs/r-000000000000000000000000' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/v1/runs/%2e%2e%2fx' })).statusCode).toBe(404);
    const long = await app.inject({ url: `/v1/runs/r-${'a'.repeat(300)}` });
    expect([long.statusCode, long.json<{ error: { code: string } }>().error.code]).toEqual([404, 'NOT_FOUND']);

    const ids = async (query: string) => (await app.inject({ url: `/v1/runs${query}` })).json<{ runs: Array<{ runId: string }> }>().runs.map((r) => r.runId);
    expect((await ids('')).sort()).toEqual([a.runId, b.runId].sort());
    expect(await ids('?table=taxi.zones')).toEqual([b.runId]);
    expect((await ids('?status=queued&table=')).sort()).toEqual([a.runId, b.runId].sort());
    expect(await ids('?status=published')).toEqual([]);
    expect(await ids('?limit=1')).toHaveLength(1);

    const bad = await app.inject({ url: '/v1/runs?status=done&limit=0&table=Bad&colour=blue' });
    expect(bad.statusCode).toBe(400);
    const { error } = bad.json<{ error: { code: string; issues: Array<{ path: string }> } }>();
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['', 'limit', 'status', 'table']);
    expect((await app.inject({ url: '/v1/runs?limit=abc' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/runs?limit=5000' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/runs?limit=1e2' })).statusCode).toBe(400);
    const twice = await app.inject({ url: '/v1/runs?status=published&status=queued' });
    expect([twice.statusCode, twice.json<{ error: { message: string } }>().error.message]).toEqual([400, 'invalid query: status: give this parameter once']);
  });

  it('serves the request as JSON Schema that a JSON Schema validator accepts', async () => {
    const app = api();
    const res = await app.inject({ url: '/v1/schema/ingestion-request' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/schema\+json/);
    const schema = res.json<{ type: string; properties: Record<string, { pattern?: string; enum?: string[] }>; required: string[] }>();
    expect(schema.type).toBe('object');
    expect(new RegExp(schema.properties['table']?.pattern ?? '^$').test('taxi.trips')).toBe(true);
    expect(new RegExp(schema.properties['table']?.pattern ?? '').test('Taxi')).toBe(false);
    expect(schema.properties['mode']?.enum).toEqual(['append', 'replace']);
    expect(schema.required).toEqual(expect.arrayContaining(['table', 'source']));

    // fastify validates bodies with Ajv: a real JSON Schema validator (draft-07 mode, hence no $schema).
    const { $schema, ...body } = schema as unknown as Record<string, unknown>;
    expect($schema).toMatch(/json-schema\.org/);
    const validator = fastify({ ajv: { customOptions: { strict: false, removeAdditional: false, coerceTypes: false, useDefaults: false } } });
    validator.post('/', { schema: { body } }, async () => ({ ok: true }));
    try {
      const good = { version: 1, table: 'taxi.trips', source: 's3://bucket/in/*.parquet', mode: 'replace', checks: [{ type: 'not_null', column: 'id' }, { type: 'unique', column: 'id', severity: 'warn' }], idempotencyKey: 'batch-1', labels: { team: 'geo' } };
      expect((await validator.inject({ method: 'POST', url: '/', payload: good })).statusCode).toBe(200);
      for (const bad of [{ table: 'taxi.trips' }, { ...good, table: 'Taxi' }, { ...good, mode: 'upsert' }, { ...good, checks: [{ type: 'not_null' }] }, { ...good, colour: 'blue' }]) {
        expect((await validator.inject({ method: 'POST', url: '/', payload: bad })).statusCode, JSON.stringify(bad)).toBe(400);
      }
    } finally {
      await validator.close();
    }
  });

  it('serves probes and Prometheus metrics from the registry it is given', async () => {
    const { Registry, Counter } = await import('prom-client');
    const registry = new Registry();
    new Counter({ name: 'floodgate_test_total', help: 'a test counter', registers: [registry] }).inc(3);
    const app = api({ registry });
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('floodgate_test_total 3');
    expect((await api().inject({ url: '/metrics' })).body).toContain('process_cpu_seconds_total');
  });

  it('shows bull-board at /ui/queues behind the token: header, or ?token= that sets a cookie', async () => {
    const app = api({ token: TOKEN, logger: recordingLogger() });
    expect((await app.inject({ url: '/ui/queues' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/ui/queues?token=wrong' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/ui/queues/api/queues', headers: { cookie: 'floodgate_ui=forged' } })).statusCode).toBe(401);

    const page = await app.inject({ url: '/ui/queues', headers: bearer(TOKEN) });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<title>Floodgate</title>');

    const login = await app.inject({ url: `/ui/queues?token=${TOKEN}` });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/ui/queues');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^floodgate_ui=[\w-]+; Path=\/ui\/queues; HttpOnly; SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = { cookie: cookie.split(';')[0] ?? '' };
    expect((await app.inject({ url: '/ui/queues', headers: session })).statusCode).toBe(200);
    const queues = await app.inject({ url: '/ui/queues/api/queues', headers: session });
    expect(queues.statusCode).toBe(200);
    expect(queues.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name).sort()).toEqual(['wap-audit', 'wap-publish', 'wap-write']);
    // the cookie opens the UI only, not the API
    expect((await app.inject({ url: '/v1/runs', headers: session })).statusCode).toBe(401);
  });

  it('maps error codes to statuses and hides unexpected errors behind a generic 500', async () => {
    let failure: unknown;
    const producer: ApiProducer = {
      enqueue: async () => Promise.reject(failure),
      getRun: async () => Promise.reject(failure),
      listRuns: async () => Promise.reject(failure),
    };
    const logger = recordingLogger();
    const app = api({ producer, logger });
    const statusOf = async (error: unknown) => {
      failure = error;
      return app.inject({ url: '/v1/runs/r-1' });
    };
    expect((await statusOf(new FloodgateError('INVALID_NAME', 'bad name'))).statusCode).toBe(400);
    expect((await statusOf(new FloodgateError('TABLE_NOT_FOUND', 'no table'))).statusCode).toBe(404);
    expect((await statusOf(new FloodgateError('MERGE_CONFLICT', 'conflict'))).statusCode).toBe(409);
    const busy = await statusOf(new FloodgateError('CATALOG_BUSY', 'busy', { retryable: true }));
    expect(busy.statusCode).toBe(503);
    expect(busy.json()).toMatchObject({ error: { code: 'CATALOG_BUSY', retryable: true } });
    expect(busy.headers['retry-after']).toBe('1');
    expect((await statusOf(new FloodgateError('INTERNAL', 'timed out', { retryable: true }))).statusCode).toBe(503);

    const hidden = await statusOf(new TypeError('cannot read secret-detail of undefined'));
    expect(hidden.statusCode).toBe(500);
    const { error } = hidden.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(error).toMatchObject({ code: 'INTERNAL', message: expect.not.stringContaining('secret-detail') });
    expect(hidden.body).not.toMatch(/secret-detail|TypeError|at /);
    expect(logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ reqId: error.requestId, err: expect.objectContaining({ message: expect.stringContaining('secret-detail') }) });
    expect((await app.inject({ url: '/no/such/route' })).json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('listens on a real port', async () => {
    const running = await startApi({ config, host: '127.0.0.1', port: 0 });
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const res = await fetch(`${running.url}/v1/ingestions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ table: 'taxi.trips', source: file('a.parquet') }),
      });
      expect(res.status).toBe(202);
      const { links } = (await res.json()) as { links: { self: string } };
      expect((await fetch(`${running.url}${links.self}`)).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});

describe('HTTP API without Redis', () => {
  it('answers /readyz and the queue routes with 503 (retryable) while Redis is down, /healthz with 200', async () => {
    const redis = await startTestRedis();
    const dir = await tempDir();
    const app = buildApi({ config: apiConfig(redis.url, dir) });
    try {
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
      await redis.stop();
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', error: { code: 'REDIS_UNAVAILABLE', retryable: true } });
      const post = await ingest(app, { table: 'taxi.trips', source: path.join(dir, 'a.parquet') });
      expect(post.statusCode).toBe(503);
      expect(post.json()).toMatchObject({ error: { code: 'REDIS_UNAVAILABLE', retryable: true } });
      expect(post.headers['retry-after']).toBe('1');
      expect((await app.inject({ url: '/v1/runs' })).statusCode).toBe(503);
      expect((await ingest(app, { table: 'Bad' })).statusCode).toBe(400);
      expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
