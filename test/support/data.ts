import fs from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** Writes test files with DuckDB: `COPY (<select>) TO <file>` in the format the extension names. */
export async function writeFile(file: string, select: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const format = file.endsWith('.csv') ? 'csv, HEADER true' : file.endsWith('.jsonl') ? 'json' : 'parquet';
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT ${format})`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return file;
}

/** `n` trips with ids from `start`. */
export function trips(n: number, start = 0): string {
  return `SELECT (range + ${start})::BIGINT AS id, 'zone-' || (range % 7) AS zone, (range % 100) / 4.0 AS fare, DATE '2026-01-01' + (range % 30)::INTEGER AS day FROM range(${n})`;
}
