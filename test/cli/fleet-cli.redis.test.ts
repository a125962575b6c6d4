import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { trips, writeFile } from '../support/data.js';
import { runCli } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const cli = (args: string[], env: Record<string, string | undefined>, cwd: string) => runCli(args, { cwd, env });

describe('floodgate enqueue / runs (CLI, real Redis)', { timeout: 180_000 }, () => {
  let redis: TestRedis;
  let h: FleetHarness;
  let env: Record<string, string>;
  beforeAll(async () => {
    redis = await startTestRedis();
    h = await startFleetHarness(redis.url);
    env = { REDIS_URL: redis.url, FLOODGATE_REDIS_PREFIX: h.config.fleet.prefix, FLOODGATE_SOURCE_ROOTS: h.backend.dataDir };
  });
  afterAll(async () => {
    await h?.stop();
    await redis?.stop();
  });

  it('waits for the verdict: 0 published, 3 audit failed, 5 rejected, 2 bad input', async () => {
    const dir = h.backend.dataDir;
    await writeFile(path.join(dir, 'good.parquet'), trips(30));
    await writeFile(path.join(dir, 'bad.parquet'), `SELECT NULL::BIGINT AS id, zone FROM (${trips(5, 500)})`);
    await fs.writeFile(path.join(dir, 'broken.parquet'), 'not parquet at all');
    await fs.writeFile(path.join(dir, 'checks.yaml'), 'checks:\n  - type: not_null\n    column: id\n');
    await fs.writeFile(path.join(dir, 'bad-checks.yaml'), 'checks:\n  - type: not_null\n    column: 3\n');

    const published = await cli(['--json', 'enqueue', 'taxi.trips', 'good.parquet', '--checks', 'checks.yaml', '--wait'], env, dir);
    expect(published.code, published.stderr).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ status: 'published', rows: 30 });

    const failed = await cli(['enqueue', 'taxi.trips', 'bad.parquet', '--checks', 'checks.yaml', '--wait'], env, dir);
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stdout).toContain('audit_failed');
    expect(failed.stdout).toMatch(/not_null\(id\).*5 failing/);

    const rejected = await cli(['enqueue', 'taxi.broken', 'broken.parquet', '--wait'], env, dir);
    expect(rejected.code, rejected.stderr).toBe(5);

    const badChecks = await cli(['enqueue', 'taxi.trips', 'good.parquet', '--checks', 'bad-checks.yaml'], env, dir);
    expect(badChecks.code).toBe(2);
    expect(badChecks.stderr).toMatch(/checks\[0\]\.column/);
    const noRedis = await cli(['enqueue', 'taxi.trips', 'good.parquet'], { ...env, REDIS_URL: undefined }, dir);
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toContain('REDIS_URL is not set');

    const list = await cli(['--json', 'runs', '--table', 'taxi.trips'], env, dir);
    const runs = JSON.parse(list.stdout) as Array<{ status: string }>;
    expect(runs.map((r) => r.status)).toEqual(['audit_failed', 'published']);
    const one = await cli(['runs', (JSON.parse(published.stdout) as { runId: string }).runId], env, dir);
    expect(one.stdout).toMatch(/queued[\s\S]*writing[\s\S]*published/);

    // Bad input exits at once, even while the connection to Redis is still being made.
    const badTable = await cli(['enqueue', 'BAD', 'good.parquet'], env, dir);
    expect([badTable.code, badTable.stderr]).toEqual([2, 'floodgate: invalid ingestion request: table: expected <namespace>.<table> in lower-case letters, digits and _\n']);
  });

  it('sends wap.run.enqueued to Prefect when PREFECT_API_URL is set, as the API does', async () => {
    const dir = h.backend.dataDir;
    await writeFile(path.join(dir, 'events.parquet'), trips(3, 900));
    const received: Array<{ url: string; body: string }> = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ url: request.url ?? '', body });
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ id: crypto.randomUUID() }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await cli(['enqueue', 'taxi.events', 'events.parquet', '--idempotency-key', 'prefect-cli-1'], { ...env, PREFECT_API_URL: `http://127.0.0.1:${port}/api` }, dir);
      expect(result.code, result.stderr).toBe(0);
      const events = received.filter((r) => r.url === '/api/events').flatMap((r) => JSON.parse(r.body) as Array<{ event: string }>);
      expect(events.map((e) => e.event)).toContain('wap.run.enqueued');
    } finally {
      server.close();
    }
  });

  it("refuses to run the demo on a shared Redis whose queues have workers (they would take its runs), and runs under a prefix of its own", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-demo-shared-'));
    try {
      const busy = await cli(['demo', '--rows', '20'], { REDIS_URL: redis.url, FLOODGATE_REDIS_PREFIX: h.config.fleet.prefix, FLOODGATE_HOME: undefined }, dir);
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain("worker(s) already serve the queues under FLOODGATE_REDIS_PREFIX");
      const own = await cli(['--json', 'demo', '--rows', '20'], { REDIS_URL: redis.url, FLOODGATE_REDIS_PREFIX: '{demo-own}', FLOODGATE_HOME: undefined }, dir);
      expect(own.code, own.stderr).toBe(0);
      expect((JSON.parse(own.stdout) as { main: Record<string, number> }).main).toEqual({ 'taxi.trips': 20 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('floodgate demo', { timeout: 180_000 }, () => {
  it('runs the fleet with a private Redis, publishes the good batch and quarantines the bad one', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-demo-'));
    try {
      const result = await cli(['--json', 'demo', '--rows', '5000'], { REDIS_URL: undefined, FLOODGATE_HOME: undefined }, dir);
      expect(result.code, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout) as {
        runs: Array<{ status: string; rows: number; branch: string | null; commit: string | null; failedChecks: Array<{ name: string; failingCount: number }> }>;
        main: Record<string, number>;
      };
      expect(summary.runs[0]).toMatchObject({ status: 'published', rows: 5000, branch: null });
      expect(summary.runs[0]?.commit).toMatch(/^[0-9a-f]{32}$/);
      expect(summary.runs[1]).toMatchObject({ status: 'audit_failed', commit: null });
      expect(summary.runs[1]?.branch).toMatch(/^wap\/taxi\.trips\/r-/);
      expect(Object.fromEntries(summary.runs[1]?.failedChecks.map((c) => [c.name, c.failingCount]) ?? [])).toEqual({
        'not_null(trip_id)': 10,
        'unique(trip_id)': 5,
        'range(fare)': 20,
      });
      expect(summary.main).toEqual({ 'taxi.trips': 5000 });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

});
