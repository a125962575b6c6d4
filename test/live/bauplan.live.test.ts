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
 * and deletes its branches afterwards.
 */
describe.skipIf(KEY === undefined)('Bauplan live (skipped: BAUPLAN_API_KEY is not set)', () => {
  it('publishes the good batch into a username-prefixed branch and quarantines the bad one', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-live-'));
    const target = `floodgate_live_${Date.now().toString(36)}`;
    const env = { ...process.env, FLOODGATE_LAKEHOUSE: 'bauplan', FLOODGATE_HOME: home, FLOODGATE_TARGET_BRANCH: target } as Record<string, string>;
    const config = loadConfig(env, { cwd: home });
    const lakehouse = await openBauplanLakehouse(config.lakehouse, { cwd: home });
    try {
      await lakehouse.createBranch(target, { from: 'main' });
      const { stdout } = await exec(process.execPath, ['--import', TSX_LOADER, ENTRY, 'demo', '--rows', '20000', '--json'], {
        cwd: home,
        env,
        timeout: 40 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      const summary = JSON.parse(stdout) as { runs: Array<{ status: string; rows: number | null; branch: string | null; failedChecks: unknown[] }>; main: Record<string, number> };
      expect(summary.runs.map((r) => r.status)).toEqual(['published', 'audit_failed']);
      expect(summary.runs[1]?.failedChecks.length).toBeGreaterThan(0);
      const [row] = await lakehouse.queryRows('SELECT count(*) AS n FROM taxi.trips', { ref: target });
      expect(Number(row?.['n'])).toBe(summary.runs[0]?.rows);
      expect(summary.main['taxi.trips']).toBe(summary.runs[0]?.rows);
    } finally {
      for (const branch of await lakehouse.listBranches({ prefix: 'wap/' })) await lakehouse.deleteBranch(branch.name, { ifExists: true });
      await lakehouse.deleteBranch(target, { ifExists: true });
      await lakehouse.close();
      await fs.rm(home, { recursive: true, force: true });
    }
  }, 45 * 60_000);
});
