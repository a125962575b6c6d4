import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CatalogBusyError, CatalogUnavailableError } from '../../errors.js';
import { toNumberedPlaceholders } from './sql.js';
import type { SqlDialect, SqlExecutor, SqlParams, SqlPort } from './sql.js';

/** The part of `pg` this file uses. */
interface PgResult {
  readonly rows: unknown[];
  readonly rowCount: number | null;
}

interface PgClient {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  release(error?: Error | boolean): void;
}

interface PgPool {
  query(text: string, values?: unknown[]): Promise<PgResult>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** How long to wait for a connection before CatalogUnavailableError (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Retries of a transaction that hit a serialization failure or a deadlock (default 8). */
  readonly maxRetries?: number;
}

export const POSTGRES_DIALECT: SqlDialect = { name: 'postgres', forUpdate: ' FOR UPDATE', keyCollation: ' COLLATE "C"' };

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
const RETRY_CODES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
const BUSY_CODES = new Set(['55P03']); // lock_not_available

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  if (CONNECTION_CODES.has(code) || code.startsWith('08')) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed/i.test(message);
}

/** Maps driver errors to catalog errors; anything else passes through unchanged. */
function mapError(error: unknown): unknown {
  if (isConnectionError(error)) {
    return new CatalogUnavailableError(`the PostgreSQL catalog is unreachable: ${(error as Error).message}`, error);
  }
  const code = codeOf(error);
  if (RETRY_CODES.has(code) || BUSY_CODES.has(code)) {
    return new CatalogBusyError(`the PostgreSQL catalog is busy: ${(error as Error).message}`, error);
  }
  return error;
}

function executor(target: { query(text: string, values?: unknown[]): Promise<PgResult> }): SqlExecutor {
  return {
    dialect: POSTGRES_DIALECT,
    query: async <T>(sql: string, params: SqlParams = []) =>
      (await target.query(toNumberedPlaceholders(sql), [...params])).rows as T[],
    run: async (sql: string, params: SqlParams = []) =>
      (await target.query(toNumberedPlaceholders(sql), [...params])).rowCount ?? 0,
  };
}

/**
 * A `pg` pool. Each transaction takes its own connection; rows that must not move under a
 * transaction are locked with `SELECT ... FOR UPDATE`.
 */
export class PostgresPort implements SqlPort {
  readonly dialect = POSTGRES_DIALECT;
  readonly #pool: PgPool;
  readonly #direct: SqlExecutor;
  readonly #maxRetries: number;

  constructor(url: string, options: PostgresOptions = {}) {
    this.#pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    }) as unknown as PgPool;
    // An idle connection that dies emits here; the next caller gets a fresh one.
    this.#pool.on('error', () => undefined);
    this.#direct = executor(this.#pool);
    this.#maxRetries = options.maxRetries ?? 8;
  }

  async query<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    try {
      return await this.#direct.query<T>(sql, params);
    } catch (error) {
      throw mapError(error);
    }
  }

  async run(sql: string, params: SqlParams = []): Promise<number> {
    try {
      return await this.#direct.run(sql, params);
    } catch (error) {
      throw mapError(error);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#attempt(fn);
      } catch (error) {
        if (!RETRY_CODES.has(codeOf(error)) || attempt >= this.#maxRetries) throw mapError(error);
        await sleep(Math.min(10 * 2 ** attempt, 500) * (0.5 + Math.random()));
      }
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #attempt<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
    } catch (error) {
      if (isConnectionError(error)) broken ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
