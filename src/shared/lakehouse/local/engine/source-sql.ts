import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SourceFormat } from '../../lakehouse.js';
import { InvalidNameError, SourceUnreadableError } from '../../errors.js';
import type { SourceColumn } from './schema-plan.js';
import { quoteFileList, quoteString } from './types.js';

/**
 * A DuckDB table expression reading every file of a source, columns matched by name.
 * `jsonColumns`: every column of a JSON-lines source, typed. `csvTypes`: the types of some CSV
 * columns (each must be in some file), instead of types guessed from the values.
 */
export function sourceRelation(
  format: SourceFormat,
  paths: readonly string[],
  jsonColumns?: Readonly<Record<string, string>>,
  csvTypes?: Readonly<Record<string, string>>,
): string {
  const list = quoteFileList(paths);
  if (format === 'jsonl' && jsonColumns !== undefined) {
    // Declared types: nothing is guessed from the values (a string that looks like a date stays a string).
    const columns = Object.entries(jsonColumns).map(([name, type]) => `${quoteString(name)}: ${quoteString(type)}`);
    return `read_json(${list}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
  }
  switch (format) {
    case 'parquet':
      return `read_parquet(${list}, union_by_name = true)`;
    case 'csv': {
      const types = Object.entries(csvTypes ?? {}).map(([name, type]) => `${quoteString(name)}: ${quoteString(type)}`);
      return `read_csv(${list}, union_by_name = true, header = true${types.length === 0 ? '' : `, types = {${types.join(', ')}}`})`;
    }
    case 'jsonl':
      // Columns come from every record (sample_size -1): a key that first appears deep in a file
      // would otherwise be dropped without a word.
      return `read_json(${list}, format = 'auto', union_by_name = true, sample_size = -1)`;
  }
}

/**
 * A DuckDB error's first paragraph on one line, without the query excerpt and reader settings
 * that follow it: for a CSV value that does not convert, the line number, the line and which
 * column failed to convert what.
 */
export function duckMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const [paragraph = message] = message.split(/\n\s*\n/);
  const text = paragraph
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

export async function describeSource(
  connection: DuckDBConnection,
  relation: string,
  label: string,
): Promise<SourceColumn[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    return reader.getRowObjectsJS().map((row) => ({ name: String(row['column_name']), duckType: String(row['column_type']) }));
  } catch (error) {
    throw new SourceUnreadableError(label, duckMessage(error), error);
  }
}

/** The column names as written in the files, where DuckDB can list them; undefined for JSON. */
async function namesAsWritten(connection: DuckDBConnection, format: SourceFormat, paths: readonly string[]): Promise<Set<string> | undefined> {
  const list = quoteFileList(paths);
  let sql: string;
  if (format === 'parquet') sql = `SELECT name FROM parquet_schema(${list})`;
  else if (format === 'csv') sql = `SELECT * FROM read_csv(${list}, header = false, all_varchar = true, union_by_name = false) LIMIT 1`;
  else return undefined;
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS();
  return new Set(format === 'parquet' ? rows.map((r) => String(r['name'])) : Object.values(rows[0] ?? {}).map(String));
}

/**
 * DuckDB reads two source columns whose names differ only in case (or repeat) as `a` and `A_1`.
 * Importing that would rename a column without a word, and SQL could not tell `a` from `A`
 * anyway, so such a source is refused. Only a name of that shape whose stem is another column
 * is looked up in the files.
 */
export async function refuseRenamedColumns(
  connection: DuckDBConnection,
  format: SourceFormat,
  paths: readonly string[],
  columns: readonly SourceColumn[],
): Promise<void> {
  const folded = new Set(columns.map((c) => c.name.toLowerCase()));
  const suspects = columns.filter((c) => {
    const match = /^(.+)_\d+$/.exec(c.name);
    return match?.[1] !== undefined && folded.has(match[1].toLowerCase());
  });
  if (suspects.length === 0) return;
  const written = await namesAsWritten(connection, format, paths);
  const renamed = suspects.find((c) => written !== undefined && !written.has(c.name));
  if (renamed === undefined) return;
  const stem = renamed.name.replace(/_\d+$/, '');
  const twins = [...(written ?? [])].filter((n) => n.toLowerCase() === stem.toLowerCase());
  throw new InvalidNameError(
    'column',
    twins.at(-1) ?? stem,
    twins.length > 1
      ? `the source has columns ${twins.map((n) => JSON.stringify(n)).join(' and ')}, which differ only in case and which SQL cannot tell apart`
      : `the source has two columns named ${JSON.stringify(stem)}`,
  );
}

/**
 * DuckDB reads an empty (0-byte) CSV file as one made-up column `column0`, and an empty JSON-lines
 * file as a column `json`: importing either would add a column of nothing. Such a file is refused.
 */
export async function refuseEmptyFiles(format: SourceFormat, paths: readonly string[], label: string): Promise<void> {
  if (format === 'parquet') return;
  for (const file of paths) {
    const { size } = await fs.stat(file);
    if (size > 0) continue;
    const needs = format === 'csv' ? 'a CSV file needs at least a header line' : 'a JSON-lines file needs at least one record';
    throw new SourceUnreadableError(label, `${path.basename(file)} is empty: ${needs}`);
  }
}
