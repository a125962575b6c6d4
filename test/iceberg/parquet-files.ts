/**
 * Test helper: writes a Parquet file with Iceberg field ids through DuckDB and reads its
 * column stats back from parquet_metadata(), the way the local backend does.
 */
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeBound } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { DataFileInput, IcebergField } from '../../src/shared/lakehouse/local/iceberg/index.js';

/** Column definition: the Iceberg field plus the DuckDB type its values are cast to. */
export interface TestColumn extends IcebergField {
  sqlType: string;
}

function quote(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}

/** Writes `rows` (SQL literals, `NULL` allowed) as a Parquet file and returns its manifest input. */
export async function writeParquet(
  connection: DuckDBConnection,
  path: string,
  columns: readonly TestColumn[],
  rows: readonly (readonly string[])[],
): Promise<DataFileInput> {
  const values = rows.map((row) => `(${row.map((literal, index) => `CAST(${literal} AS ${columns[index]!.sqlType})`).join(', ')})`);
  const names = columns.map((column) => column.name).join(', ');
  const fieldIds = columns.map((column) => `${column.name}: ${column.id}`).join(', ');
  await connection.run(
    `COPY (SELECT * FROM (VALUES ${values.join(', ')}) AS t(${names})) TO ${quote(path)} (FORMAT parquet, FIELD_IDS {${fieldIds}})`,
  );
  const reader = await connection.runAndReadAll(
    `SELECT path_in_schema, row_group_id, num_values, stats_min_value, stats_max_value, stats_null_count, total_compressed_size
     FROM parquet_metadata(${quote(path)})`,
  );
  const file: DataFileInput = {
    path,
    fileSizeInBytes: (await stat(path)).size,
    recordCount: rows.length,
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  const add = (map: Map<number, number>, id: number, value: unknown): void => {
    map.set(id, (map.get(id) ?? 0) + Number(value));
  };
  for (const stats of reader.getRowObjectsJson()) {
    if (stats.row_group_id !== '0' && stats.row_group_id !== 0) throw new Error('test files must have one row group');
    const column = columns.find((candidate) => candidate.name === stats.path_in_schema);
    if (column === undefined) throw new Error(`unexpected column ${String(stats.path_in_schema)}`);
    add(file.columnSizes, column.id, stats.total_compressed_size);
    add(file.valueCounts, column.id, stats.num_values);
    add(file.nullValueCounts, column.id, stats.stats_null_count);
    if (typeof stats.stats_min_value === 'string') file.lowerBounds.set(column.id, encodeBound(column.type, stats.stats_min_value));
    if (typeof stats.stats_max_value === 'string') file.upperBounds.set(column.id, encodeBound(column.type, stats.stats_max_value));
  }
  return file;
}
