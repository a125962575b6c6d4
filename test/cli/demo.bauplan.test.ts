import { afterEach, describe, expect, it } from 'vitest';
import { openBauplan, type OpenedBauplan } from '../support/bauplan/harness.js';
import { runCli } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The main job on the Bauplan backend: the CLI talks to the fake server as it would to Bauplan. */
describe('floodgate demo on Bauplan (fake server)', { timeout: 180_000 }, () => {
  let b: OpenedBauplan | undefined;
  let redis: TestRedis | undefined;
  afterEach(async () => {
    await b?.cleanup();
    await redis?.stop();
  });

  it('publishes the good batch into a username-prefixed target branch and quarantines the bad one', async () => {
    b = await openBauplan();
    redis = await startTestRedis();
    await b.lakehouse.createBranch('demo_target');
    const env = { ...b.env, REDIS_URL: redis.url, FLOODGATE_TARGET_BRANCH: 'demo_target', FLOODGATE_METRICS_PORT: '0' };
    const result = await runCli(['--json', 'demo', '--rows', '3000'], { cwd: b.dataDir, env });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { runs: Array<{ status: string; rows: number; branch: string | null; failedChecks: Array<{ name: string; failingCount: number }> }>; main: Record<string, number> };
    expect(summary.runs.map((r) => r.status)).toEqual(['published', 'audit_failed']);
    expect(summary.runs[1]?.failedChecks.map((c) => c.name).sort()).toEqual(['not_null(trip_id)', 'range(fare)', 'unique(trip_id)']);
    expect(summary.main).toEqual({ 'taxi.trips': 3000 });
    // On the server: main untouched, the target branch and the quarantine branch under the user prefix.
    expect(await b.fake.lakehouse.listTables('main')).toEqual([]);
    const branches = (await b.fake.lakehouse.listBranches()).map((r) => r.name);
    expect(branches).toContain('alice.demo_target');
    expect(branches.filter((n) => n.startsWith('alice.wap/taxi.trips/'))).toHaveLength(1);

    const missing = await runCli(['demo', '--rows', '20'], { cwd: b.dataDir, env: { ...env, FLOODGATE_BAUPLAN_STAGING: undefined } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('FLOODGATE_BAUPLAN_STAGING');
  });
});
