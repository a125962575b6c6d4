import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type LakehouseConfig } from '../../src/shared/config/index.js';
import type { Lakehouse } from '../../src/shared/lakehouse/lakehouse.js';
import { openLocalLakehouse } from '../../src/shared/lakehouse/local/index.js';
import { openBauplan } from './bauplan/harness.js';

export interface OpenedBackend {
  readonly lakehouse: Lakehouse;
  /** The environment that opens the same backend (e.g. for worker processes). */
  readonly env: Record<string, string>;
  /** A folder the backend may import from. */
  readonly dataDir: string;
  readonly config: LakehouseConfig;
  cleanup(): Promise<void>;
}

export interface BackendHarness {
  readonly name: string;
  open(): Promise<OpenedBackend>;
}

let databases = 0;

/** A fresh database on the test PostgreSQL server, dropped on cleanup. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = inject('postgresUrl');
  const name = `fg_test_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: base });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function openLocal(options: { postgres?: boolean; env?: Record<string, string> } = {}): Promise<OpenedBackend> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-home-'));
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-data-'));
  const database = options.postgres === true ? await freshPostgresDatabase() : undefined;
  const env: Record<string, string> = {
    FLOODGATE_HOME: home,
    FLOODGATE_SOURCE_ROOTS: `${dataDir},s3://`,
    FLOODGATE_DUCKDB_MEMORY_LIMIT: '512MB',
    FLOODGATE_DUCKDB_THREADS: '2',
    FLOODGATE_AUTHOR: 'tests',
    ...(database === undefined ? {} : { FLOODGATE_CATALOG_URL: database.url }),
    ...options.env,
  };
  const config = loadConfig(env).lakehouse;
  const lakehouse = await openLocalLakehouse(config, { cwd: dataDir });
  return {
    lakehouse,
    env,
    dataDir,
    config,
    cleanup: async () => {
      await lakehouse.close();
      await database?.drop();
      await fs.rm(home, { recursive: true, force: true });
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

const ALL: Record<string, BackendHarness> = {
  local: { name: 'local (SQLite catalog)', open: () => openLocal() },
  'local-postgres': { name: 'local (PostgreSQL catalog)', open: () => openLocal({ postgres: true }) },
  bauplan: { name: 'bauplan (fake server on loopback)', open: () => openBauplan() },
};

/** The backends the contract suite runs against: `BACKENDS=local,local-postgres` (the default is all of them). */
export function selectedBackends(env: string | undefined): BackendHarness[] {
  const names = (env ?? Object.keys(ALL).join(',')).split(',').map((n) => n.trim()).filter(Boolean);
  return names.map((name) => {
    const harness = ALL[name];
    if (harness === undefined) throw new Error(`unknown backend ${name} in BACKENDS (known: ${Object.keys(ALL).join(', ')})`);
    return harness;
  });
}
