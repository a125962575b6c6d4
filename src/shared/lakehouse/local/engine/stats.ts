import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeBound, type DataFileInput, type IcebergField, type IcebergPrimitiveType } from '../iceberg/index.js';
import { quoteFileList, quoteString } from './types.js';

/** Longest string bound kept in manifests (PyIceberg's default truncate(16)). */
const STRING_BOUND_LENGTH = 16;

/** SQL for a column's min/max from Parquet row-group statistics, as text JS can decode exactly. */
function boundSql(type: IcebergPrimitiveType, agg: 'min' | 'max', column: 'stats_min_value' | 'stats_max_value'): string | undefined {
  const typed = (duckType: string) => `${agg}(TRY_CAST(${column} AS ${duckType}))`;
  switch (type) {
    case 'int':
    case 'long':
      return `CAST(${typed('BIGINT')} AS VARCHAR)`;
    case 'float':
    case 'double':
      return `CAST(${typed('DOUBLE')} AS VARCHAR)`;
    case 'boolean':
      return `CAST(${typed('BOOLEAN')} AS VARCHAR)`;
    case 'date':
      return `CAST(${typed('DATE')} - DATE '1970-01-01' AS VARCHAR)`;
    case 'timestamp':
      return `CAST(epoch_us(${typed('TIMESTAMP')}) AS VARCHAR)`;
    case 'timestamptz':
      return `CAST(epoch_us(${typed('TIMESTAMPTZ')}) AS VARCHAR)`;
    case 'string':
      return `${agg}(${column})`;
    default: {
      const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
      return decimal ? `CAST(${typed(`DECIMAL(${decimal[1]}, ${decimal[2]})`)} AS VARCHAR)` : undefined;
    }
  }
}

function unscaled(text: string, type: IcebergPrimitiveType): bigint {
  const scale = Number(/,\s*(\d+)\)$/.exec(type)?.[1] ?? 0);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const digits = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return negative ? -digits : digits;
}

function decodeBound(type: IcebergPrimitiveType, text: string, side: 'lower' | 'upper'): Uint8Array | undefined {
  switch (type) {
    case 'int':
    case 'date':
      return encodeBound(type, Number(text));
    case 'long':
    case 'timestamp':
    case 'timestamptz':
      return encodeBound(type, BigInt(text));
    case 'float':
    case 'double': {
      const value = Number(text);
      return Number.isNaN(value) ? undefined : encodeBound(type, value);
    }
    case 'boolean':
      return encodeBound(type, text === 'true');
    case 'string': {
      const chars = [...text];
      if (chars.length <= STRING_BOUND_LENGTH) return encodeBound(type, text);
      // A truncated prefix is still a valid lower bound, but not a valid upper bound.
      return side === 'lower' ? encodeBound(type, chars.slice(0, STRING_BOUND_LENGTH).join('')) : undefined;
    }
    default:
      return type.startsWith('decimal') ? encodeBound(type, unscaled(text, type)) : undefined;
  }
}

/** Per-file Iceberg column metrics, read from the written files' Parquet footers (no data scan). */
export async function columnStats(
  connection: DuckDBConnection,
  files: readonly string[],
  fields: readonly IcebergField[],
): Promise<DataFileInput[]> {
  const list = quoteFileList(files);
  // The footers are read once into a temporary table, which each column's query then filters:
  // reading them once per column made wide tables quadratic (1,000 columns: 4.7 s a file).
  const meta = `fg_footers_${randomUUID().replaceAll('-', '')}`;
  await connection.run(`CREATE TEMP TABLE ${meta} AS SELECT * FROM parquet_metadata(${list})`);
  try {
    return await statsFromFooters(connection, list, meta, files, fields);
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${meta}`);
  }
}

async function statsFromFooters(
  connection: DuckDBConnection,
  list: string,
  meta: string,
  files: readonly string[],
  fields: readonly IcebergField[],
): Promise<DataFileInput[]> {
  const selects = fields.map((field) => {
    const lower = boundSql(field.type, 'min', 'stats_min_value') ?? 'NULL';
    const upper = boundSql(field.type, 'max', 'stats_max_value') ?? 'NULL';
    return (
      `SELECT file_name, ${field.id} AS field_id, sum(total_compressed_size)::BIGINT AS size, ` +
      `sum(num_values)::BIGINT AS vals, sum(stats_null_count)::BIGINT AS nulls, ` +
      `count(*) FILTER (WHERE stats_min_value IS NULL AND coalesce(stats_null_count, -1) <> num_values) AS unknown, ` +
      `${lower} AS lower, ${upper} AS upper ` +
      `FROM ${meta} WHERE path_in_schema = ${quoteString(field.name)} GROUP BY file_name`
    );
  });
  const rows = (await connection.runAndReadAll(selects.join(' UNION ALL '))).getRowObjectsJS();
  const counts = (
    await connection.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata(${list})`)
  ).getRowObjectsJS();

  const byId = new Map(fields.map((f) => [f.id, f] as const));
  const result = new Map<string, DataFileInput>();
  for (const row of counts) {
    const file = String(row['file_name']);
    const stat = await fs.stat(file);
    result.set(file, {
      path: file,
      fileSizeInBytes: stat.size,
      recordCount: Number(row['num_rows']),
      columnSizes: new Map(),
      valueCounts: new Map(),
      nullValueCounts: new Map(),
      lowerBounds: new Map(),
      upperBounds: new Map(),
    });
  }
  for (const row of rows) {
    const entry = result.get(String(row['file_name']));
    const field = byId.get(Number(row['field_id']));
    if (entry === undefined || field === undefined) continue;
    entry.columnSizes.set(field.id, Number(row['size']));
    entry.valueCounts.set(field.id, Number(row['vals']));
    if (row['nulls'] !== null) entry.nullValueCounts.set(field.id, Number(row['nulls']));
    if (Number(row['unknown']) > 0) continue;
    const lower = row['lower'] === null ? undefined : decodeBound(field.type, String(row['lower']), 'lower');
    const upper = row['upper'] === null ? undefined : decodeBound(field.type, String(row['upper']), 'upper');
    if (lower !== undefined) entry.lowerBounds.set(field.id, lower);
    if (upper !== undefined) entry.upperBounds.set(field.id, upper);
  }
  return files.map((file) => result.get(file)).filter((f): f is DataFileInput => f !== undefined);
}
