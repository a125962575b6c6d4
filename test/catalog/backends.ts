import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { OpenCatalogOptions } from '../../src/shared/lakehouse/local/catalog/index.js';
import { startPostgres } from '../support/postgres.js';
import type { TestPostgres } from '../support/postgres.js';

/** One empty catalog database for one test. */
export interface CatalogTarget {
  /** What openCatalog needs to open this database. */
  readonly options: OpenCatalogOptions;
  /** The same database as an SQLAlchemy URI, for PyIceberg's SqlCatalog. */
  readonly sqlalchemyUri: string;
  /** Raw SQL against the database, for assertions. `?` placeholders. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export interface CatalogBackend {
  readonly name: 'sqlite' | 'postgres';
  start(): Promise<void>;
  stop(): Promise<void>;
  fresh(): Promise<CatalogTarget>;
}

export function sqliteBackend(): CatalogBackend {
  return {
    name: 'sqlite',
    async start() {},
    async stop() {},
    async fresh() {
      const dir = await mkdtemp(join(tmpdir(), 'fg-catalog-'));
      const path = join(dir, 'catalog.db');
      return {
        options: { sqlitePath: path },
        sqlalchemyUri: `sqlite:///${path}`,
        async query<T>(sql: string, params: readonly unknown[] = []) {
          const db = new Database(path, { readonly: true });
          try {
            return db.prepare(sql).all(...params) as T[];
          } finally {
            db.close();
          }
        },
        async drop() {
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export function postgresBackend(): CatalogBackend {
  let server: TestPostgres | undefined;
  let admin: pg.Client | undefined;
  let counter = 0;
  return {
    name: 'postgres',
    async start() {
      server = await startPostgres();
      admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
    },
    async stop() {
      await admin?.end();
      await server?.stop();
    },
    async fresh() {
      if (server === undefined || admin === undefined) throw new Error('postgres backend not started');
      counter += 1;
      // A generated identifier, never input: safe to splice (CREATE DATABASE takes no parameters).
      const database = `fg_test_${process.pid}_${counter}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const url = server.url.replace(/\/postgres$/, `/${database}`);
      const client = admin;
      return {
        options: { url, sqlitePath: '/nonexistent/unused.db' },
        // SQLAlchemy 2.1 picks psycopg 3 for plain postgresql://; the venv has psycopg2.
        sqlalchemyUri: url.replace(/^postgres:/, 'postgresql+psycopg2:'),
        async query<T>(sql: string, params: readonly unknown[] = []) {
          const reader = new pg.Client({ connectionString: url });
          await reader.connect();
          try {
            let n = 0;
            return (await reader.query(sql.replace(/\?/g, () => `$${(n += 1)}`), [...params])).rows as T[];
          } finally {
            await reader.end();
          }
        },
        async drop() {
          await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        },
      };
    },
  };
}

export function allBackends(): CatalogBackend[] {
  return [sqliteBackend(), postgresBackend()];
}
