import fs from 'node:fs';
import path from 'node:path';

/** The folder (set by the global setup) where test files record the PIDs of servers they start. */
export const PIDS_ENV = 'FLOODGATE_TEST_PIDS';

/**
 * Records a server process a test file started for the whole file (and stops in a process 'exit'
 * hook): vitest ends its worker processes without that hook running, so the global teardown
 * kills what is recorded here.
 */
export function recordLeftover(pid: number | undefined): void {
  const dir = process.env[PIDS_ENV];
  if (dir === undefined || pid === undefined) return;
  fs.writeFileSync(path.join(dir, String(pid)), '');
}
