import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PIDS_ENV } from './leftovers.js';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let stopPostgres: (() => Promise<void>) | undefined;

/** Starts the real services the suite shares: one PostgreSQL server (each test makes its own database). */
export async function setup(project: TestProject): Promise<void> {
  // Test files record servers they start that outlive their worker (see leftovers.ts); the forks inherit this.
  process.env[PIDS_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-test-pids-'));
  const postgres = await startPostgres();
  stopPostgres = postgres.stop;
  project.provide('postgresUrl', postgres.url);
}

export async function teardown(): Promise<void> {
  await stopPostgres?.();
  const dir = process.env[PIDS_ENV];
  if (dir === undefined) return;
  for (const name of fs.readdirSync(dir)) {
    try {
      process.kill(Number(name), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
