import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config/index.js';
import { openBauplanLakehouse } from '../../src/shared/lakehouse/bauplan/index.js';
import { TSX_LOADER, REPO_ROOT } from '../support/paths.js';

const exec = promisify(execFile);
const KEY = process.env['BAUPLAN_API_KEY'];
const ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');

/**
 * The demo's WAP against a real Bauplan account. It runs only when BAUPLAN_API_KEY is set (and then
 * also needs FLOODGATE_BAUPLAN_STAGING: an s3:// prefix Bauplan can read, with AWS credentials that
 * can write it). It publishes into a fresh `<username>.floodgate_live_*` branch, never into main,
 * and deletes that branch and its runs' branches afterwards (no other branch of the account).
 */

/** The rows of taxi.trips at `ref`, 0 when the table does not exist there. */
async function tripsAt(lakehouse: Awaited<ReturnType<typeof openBauplanLakehouse>>, ref: string): Promise<number> {
  if (!(await lakehouse.listTables(ref)).some((table) => table.name === 'taxi.trips')) return 0;
  const [row] = await lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips', { ref });
  return Number(row?.['n']);
}
describe.skipIf(KEY === undefined)('Bauplan live (skipped: BAUPLAN_API_KEY is not set)', () => {
  it('publishes the good batch into a username-prefixed branch and quarantines the bad one', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-live-'));
    const target = `floodgate_live_${Date.now().toString(36)}`;
    const env = { ...process.env, FLOODGATE_LAKEHOUSE: 'bauplan', FLOODGATE_HOME: home, FLOODGATE_TARGET_BRANCH: target } as Record<string, string>;
    const config = loadConfig(env, { cwd: home });
    const lakehouse = await openBauplanLakehouse(config.lakehouse, { cwd: home });
    const runBranches: string[] = [];
    try {
      await lakehouse.createBranch(target, { from: 'main' });
      const before = await tripsAt(lakehouse, target);
      const { stdout } = await exec(process.execPath, ['--import', TSX_LOADER, ENTRY, 'demo', '--rows', '20000', '--json'], {
        cwd: home,
        env,
        timeout: 40 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const summary = JSON.parse(stdout) as { runs: Array<{ status: string; rows: number | null; branch: string | null; failedChecks: unknown[] }>; main: Record<string, number> };
      for (const run of summary.runs) if (run.branch !== null) runBranches.push(run.branch);
      expect(summary.runs.map((r) => r.status)).toEqual(['published', 'audit_failed']);
      expect(summary.runs[1]?.failedChecks.length).toBeGreaterThan(0);
      const rows = summary.runs[0]?.rows ?? Number.NaN;
      expect(await tripsAt(lakehouse, target)).toBe(before + rows);
      expect(summary.main['taxi.trips']).toBe(before + rows);
    } finally {
      for (const branch of runBranches) await lakehouse.deleteBranch(branch, { ifExists: true });
      await lakehouse.deleteBranch(target, { ifExists: true });
      await lakehouse.close();
      await fs.rm(home, { recursive: true, force: true });
    }
  }, 45 * 60_000);
});
