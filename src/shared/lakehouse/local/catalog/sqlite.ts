import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { CatalogBusyError, CatalogUnavailableError } from '../../errors.js';
import { AsyncMutex } from './mutex.js';
import type { SqlDialect, SqlExecutor, SqlParams, SqlPort } from './sql.js';

/** The part of better-sqlite3 this file uses. */
interface SqliteStatement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

interface SqliteDatabase {
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string): unknown;
  close(): unknown;
}

export interface SqliteOptions {
  /** How long a caller waits for another process's write lock before CatalogBusyError. */
  readonly busyTimeoutMs?: number;
}

export const SQLITE_DIALECT: SqlDialect = { name: 'sqlite', forUpdate: '', keyCollation: '' };

const DEFAULT_BUSY_TIMEOUT_MS = 10_000;
/** SQLite's own busy handler blocks the thread, so it gets only a short slice; the rest waits asynchronously. */
const SYNC_BUSY_SLICE_MS = 100;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * One better-sqlite3 connection in WAL mode, shared by every async caller of this process.
 * An in-process mutex keeps callers from running statements inside each other's transaction;
 * `BEGIN IMMEDIATE` takes the write lock up front so transactions across processes serialize.
 */
export class SqlitePort implements SqlPort {
  readonly dialect = SQLITE_DIALECT;
  readonly #db: SqliteDatabase;
  readonly #mutex = new AsyncMutex();
  readonly #busyTimeoutMs: number;
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #tx: SqlExecutor;
  #closed = false;

  private constructor(db: SqliteDatabase, busyTimeoutMs: number) {
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#tx = {
      dialect: SQLITE_DIALECT,
      query: async <T>(sql: string, params: SqlParams = []) => this.#query<T>(sql, params),
      run: async (sql: string, params: SqlParams = []) => this.#run(sql, params),
    };
  }

  static async open(path: string, options: SqliteOptions = {}): Promise<SqlitePort> {
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    let db: SqliteDatabase;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path) as unknown as SqliteDatabase;
    } catch (error) {
      throw new CatalogUnavailableError(`cannot open the SQLite catalog at ${path}`, error);
    }
    const port = new SqlitePort(db, busyTimeoutMs);
    try {
      db.pragma(`busy_timeout = ${Math.min(busyTimeoutMs, SYNC_BUSY_SLICE_MS)}`);
      await port.#retryBusy(() => db.pragma('journal_mode = WAL'));
      db.pragma('foreign_keys = ON');
      // Every committed ref move survives an OS crash too, not just a process crash (~0.2 ms a commit).
      db.pragma('synchronous = FULL');
    } catch (error) {
      db.close();
      throw error;
    }
    return port;
  }

  async query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return this.#mutex.run(async () => this.#retryBusy(() => this.#query<T>(sql, params)));
  }

  async run(sql: string, params: SqlParams = []): Promise<number> {
    return this.#mutex.run(async () => this.#retryBusy(() => this.#run(sql, params)));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      this.#assertOpen();
      await this.#retryBusy(() => this.#db.exec('BEGIN IMMEDIATE'));
      try {
        const result = await fn(this.#tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        if (isBusy(error)) throw new CatalogBusyError('the SQLite catalog is busy', error);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.#mutex.run(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#statements.clear();
      this.#db.close();
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new CatalogUnavailableError('the SQLite catalog is closed');
  }

  #prepare(sql: string): SqliteStatement {
    this.#assertOpen();
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #query<T>(sql: string, params: SqlParams): T[] {
    return this.#prepare(sql).all(...params) as T[];
  }

  #run(sql: string, params: SqlParams): number {
    const statement = this.#prepare(sql);
    if (statement.reader) {
      statement.all(...params);
      return 0;
    }
    return statement.run(...params).changes;
  }

  /** Retries `fn` while SQLite reports another connection's lock, up to the busy timeout. */
  async #retryBusy<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return fn();
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) {
          throw new CatalogBusyError(`the SQLite catalog stayed locked for ${this.#busyTimeoutMs} ms`, error);
        }
        await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()));
      }
    }
  }
}
