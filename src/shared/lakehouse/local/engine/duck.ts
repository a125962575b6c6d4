import fs from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteString } from './types.js';

const MAX_IDLE = 4;

export interface DuckOptions {
  readonly memoryLimitBytes: number;
  readonly threads: number;
  readonly tempDirectory: string;
  /** The only folders this instance may read or write; everything else is refused by DuckDB. */
  readonly allowedDirectories: readonly string[];
}

/**
 * One embedded DuckDB instance, sandboxed to a set of folders with its configuration locked,
 * so SQL that runs on it cannot reach other files or undo the sandbox.
 */
export class Duck {
  private closed = false;
  private readonly instance: DuckDBInstance;
  /** Idle connections for reuse: opening one costs more than many small queries. */
  private readonly idle: DuckDBConnection[] = [];

  private constructor(instance: DuckDBInstance) {
    this.instance = instance;
  }

  static async open(options: DuckOptions): Promise<Duck> {
    await fs.mkdir(options.tempDirectory, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${Math.floor(options.memoryLimitBytes / 1_000_000)}MB`,
      threads: String(options.threads),
      temp_directory: options.tempDirectory,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const connection = await instance.connect();
    try {
      const dirs = options.allowedDirectories.map((d) => quoteString(d.endsWith('/') ? d : `${d}/`)).join(', ');
      await connection.run(`SET allowed_directories = [${dirs}]`);
      await connection.run('SET enable_external_access = false');
      await connection.run('SET preserve_insertion_order = false');
      // Timestamps without a zone compare with TIMESTAMPTZ values, and render, the same on every host.
      await connection.run("SET GLOBAL TimeZone = 'UTC'");
      await connection.run('SET lock_configuration = true');
    } finally {
      connection.closeSync();
    }
    return new Duck(instance);
  }

  /** Runs `fn` on a fresh connection; an abort interrupts the running statement. */
  async withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const connection = this.idle.pop() ?? (await this.instance.connect());
    const onAbort = () => connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    let reusable = true;
    try {
      return await fn(connection);
    } catch (error) {
      reusable = false;
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (reusable && !this.closed && this.idle.length < MAX_IDLE) this.idle.push(connection);
      else connection.closeSync();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.instance.closeSync();
  }
}
