import type { DuckDBConnection } from '@duckdb/node-api';
import type { SourceFormat } from '../../lakehouse.js';
import { SourceUnreadableError } from '../../errors.js';
import type { SourceColumn } from './schema-plan.js';
import { quoteString } from './types.js';

/** A DuckDB table expression reading every file of a source, columns matched by name. */
export function sourceRelation(format: SourceFormat, paths: readonly string[], jsonColumns?: Readonly<Record<string, string>>): string {
  const list = `[${paths.map(quoteString).join(', ')}]`;
  if (format === 'jsonl' && jsonColumns !== undefined) {
    // Declared types: nothing is guessed from the values (a string that looks like a date stays a string).
    const columns = Object.entries(jsonColumns).map(([name, type]) => `${quoteString(name)}: ${quoteString(type)}`);
    return `read_json(${list}, format = 'newline_delimited', columns = {${columns.join(', ')}})`;
  }
  switch (format) {
    case 'parquet':
      return `read_parquet(${list}, union_by_name = true)`;
    case 'csv':
      return `read_csv(${list}, union_by_name = true, header = true)`;
    case 'jsonl':
      return `read_json(${list}, format = 'auto', union_by_name = true)`;
  }
}

/** The first line of a DuckDB error, without its query excerpt. */
export function duckMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
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
