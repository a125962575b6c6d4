import fs from 'node:fs/promises';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface RawDuckOptions {
  readonly threads: number;
  readonly memoryLimitBytes: number;
  readonly tempDirectory: string;
}

/** A plain DuckDB (the baseline): same threads, memory limit and insertion-order setting as Floodgate's engine. */
export class RawDuck {
  readonly #instance: DuckDBInstance;
  readonly connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.connection = connection;
  }

  static async open(options: RawDuckOptions): Promise<RawDuck> {
    await fs.mkdir(options.tempDirectory, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${Math.floor(options.memoryLimitBytes / 1_000_000)}MB`,
      threads: String(options.threads),
      temp_directory: options.tempDirectory,
      preserve_insertion_order: 'false',
    });
    return new RawDuck(instance, await instance.connect());
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
  }
}

/** A single-quoted SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}
