import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let stopPostgres: (() => Promise<void>) | undefined;

/** Starts the real services the suite shares: one PostgreSQL server (each test makes its own database). */
export async function setup(project: TestProject): Promise<void> {
  const postgres = await startPostgres();
  stopPostgres = postgres.stop;
  project.provide('postgresUrl', postgres.url);
}

export async function teardown(): Promise<void> {
  await stopPostgres?.();
}
