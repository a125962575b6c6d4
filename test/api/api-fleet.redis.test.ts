import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/producers/api/index.js';
import type { RunRecord } from '../../src/shared/ledger/index.js';
import { trips, writeFile } from '../support/data.js';
import { startFleetHarness, type FleetHarness } from '../support/fleet.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { bearer, ingest } from './support.js';

const TOKEN = 'fleet-test-token';

describe('HTTP API end to end (real Redis, local lakehouse, running fleet)', () => {
  let redis: TestRedis;
  let h: FleetHarness;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startTestRedis();
    h = await startFleetHarness(redis.url);
    app = buildApi({ config: h.config, token: TOKEN });
  });
  afterAll(async () => {
    await app?.close();
    await h?.stop();
    await redis?.stop();
  });

  it('takes a request over HTTP and the run reaches published', async () => {
    const source = await writeFile(path.join(h.backend.dataDir, 'good.parquet'), trips(500));
    const res = await ingest(app, { table: 'taxi.trips', source, checks: [{ type: 'not_null', column: 'id' }, { type: 'unique', column: 'id' }] }, bearer(TOKEN));
    expect(res.statusCode).toBe(202);
    const { links } = res.json<{ links: { self: string } }>();

    let run: RunRecord | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      run = (await app.inject({ url: links.self, headers: bearer(TOKEN) })).json<RunRecord>();
      if (['published', 'audit_failed', 'rejected', 'failed'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(run).toMatchObject({ status: 'published', rows: 500, table: 'taxi.trips' });
    expect(run?.publishedCommit).toBeTruthy();
    const rows = await h.backend.lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips');
    expect(Number(rows[0]?.['n'])).toBe(500);

    const listed = (await app.inject({ url: '/v1/runs?table=taxi.trips&status=published', headers: bearer(TOKEN) })).json<{ runs: RunRecord[] }>();
    expect(listed.runs.map((r) => r.runId)).toEqual([run?.runId]);
  });
});
