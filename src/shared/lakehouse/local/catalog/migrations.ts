import { randomBytes } from 'node:crypto';
import type { SqlExecutor, SqlPort } from './sql.js';

/**
 * Versioned schema changes, applied in order, each once. Openers serialize on a lock
 * (a PostgreSQL advisory lock, SQLite's write lock) so concurrent first opens are safe.
 * Append new migrations; never edit one that has shipped.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  up(tx: SqlExecutor): Promise<void>;
}

/** 'Flgt' as a 32-bit number: the advisory lock key of this schema. */
const MIGRATION_LOCK_KEY = 0x466c6774;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'refs, commits and table pointers',
    async up(tx) {
      const key = tx.dialect.keyCollation;
      await tx.run(`CREATE TABLE fg_commits (
        id VARCHAR(32)${key} PRIMARY KEY,
        message TEXT NOT NULL,
        author TEXT NOT NULL,
        created_at VARCHAR(40) NOT NULL,
        properties TEXT NOT NULL,
        generation INTEGER NOT NULL
      )`);
      await tx.run(`CREATE TABLE fg_commit_parents (
        commit_id VARCHAR(32)${key} NOT NULL REFERENCES fg_commits (id),
        position INTEGER NOT NULL,
        parent_id VARCHAR(32)${key} NOT NULL REFERENCES fg_commits (id),
        PRIMARY KEY (commit_id, position)
      )`);
      await tx.run(`CREATE TABLE fg_commit_tables (
        commit_id VARCHAR(32)${key} NOT NULL REFERENCES fg_commits (id),
        table_name VARCHAR(255)${key} NOT NULL,
        metadata_location VARCHAR(1000) NOT NULL,
        PRIMARY KEY (commit_id, table_name)
      )`);
      await tx.run(`CREATE TABLE fg_refs (
        name VARCHAR(200)${key} PRIMARY KEY,
        kind VARCHAR(10) NOT NULL CHECK (kind IN ('branch', 'tag')),
        commit_id VARCHAR(32)${key} NOT NULL REFERENCES fg_commits (id)
      )`);
      // SQL only, no shared helpers: a migration must keep doing what it did when it shipped.
      const root = randomBytes(16).toString('hex');
      await tx.run(
        'INSERT INTO fg_commits (id, message, author, created_at, properties, generation) VALUES (?, ?, ?, ?, ?, ?)',
        [root, 'root', 'floodgate', new Date().toISOString(), '{}', 0],
      );
      await tx.run('INSERT INTO fg_refs (name, kind, commit_id) VALUES (?, ?, ?)', ['main', 'branch', root]);
    },
  },
  {
    version: 2,
    name: 'JDBC / PyIceberg SqlCatalog mirror of main',
    async up(tx) {
      // The exact shape of PyIceberg 0.12's SqlCatalog (v1 schema, with iceberg_type) and of
      // Iceberg Java's JdbcCatalog, so neither tries to create or alter these tables.
      await tx.run(`CREATE TABLE IF NOT EXISTS iceberg_tables (
        catalog_name VARCHAR(255) NOT NULL,
        table_namespace VARCHAR(255) NOT NULL,
        table_name VARCHAR(255) NOT NULL,
        metadata_location VARCHAR(1000),
        previous_metadata_location VARCHAR(1000),
        iceberg_type VARCHAR(5),
        PRIMARY KEY (catalog_name, table_namespace, table_name)
      )`);
      await tx.run(`CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
        catalog_name VARCHAR(255) NOT NULL,
        namespace VARCHAR(255) NOT NULL,
        property_key VARCHAR(255) NOT NULL,
        property_value VARCHAR(1000) NOT NULL,
        PRIMARY KEY (catalog_name, namespace, property_key)
      )`);
    },
  },
  {
    version: 3,
    name: 'catalog settings (history expiry mark)',
    async up(tx) {
      const key = tx.dialect.keyCollation;
      await tx.run(`CREATE TABLE fg_settings (
        name VARCHAR(200)${key} PRIMARY KEY,
        value TEXT NOT NULL
      )`);
    },
  },
];

/** Applies every migration not yet recorded; returns the versions it applied. */
export async function migrate(port: SqlPort, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return port.transaction(async (tx) => {
    if (tx.dialect.name === 'postgres') {
      await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    }
    await tx.run(`CREATE TABLE IF NOT EXISTS fg_schema_migrations (
      version INTEGER PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      applied_at VARCHAR(40) NOT NULL
    )`);
    const rows = await tx.query<{ version: number | string }>('SELECT version FROM fg_schema_migrations');
    const done = new Set(rows.map((row) => Number(row.version)));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await migration.up(tx);
      await tx.run('INSERT INTO fg_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
