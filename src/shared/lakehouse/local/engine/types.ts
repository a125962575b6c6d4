import type { IcebergPrimitiveType } from '../iceberg/index.js';
import { UnsupportedTypeError } from '../../errors.js';

/** DuckDB's type for an Iceberg primitive: how data files are written and read. */
export function duckTypeOf(type: IcebergPrimitiveType): string {
  switch (type) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'date':
      return 'DATE';
    case 'time':
      return 'TIME';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    case 'string':
      return 'VARCHAR';
    case 'uuid':
      return 'UUID';
    case 'binary':
      return 'BLOB';
    default: {
      const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
      if (decimal) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
      throw new UnsupportedTypeError('?', type);
    }
  }
}

const SIMPLE: Record<string, IcebergPrimitiveType> = {
  BOOLEAN: 'boolean',
  TINYINT: 'int',
  SMALLINT: 'int',
  INTEGER: 'int',
  UTINYINT: 'int',
  USMALLINT: 'int',
  BIGINT: 'long',
  UINTEGER: 'long',
  FLOAT: 'float',
  DOUBLE: 'double',
  DATE: 'date',
  TIME: 'time',
  TIMESTAMP: 'timestamp',
  TIMESTAMP_S: 'timestamp',
  TIMESTAMP_MS: 'timestamp',
  TIMESTAMP_NS: 'timestamp',
  'TIMESTAMP WITH TIME ZONE': 'timestamptz',
  VARCHAR: 'string',
  JSON: 'string',
  UUID: 'uuid',
  BLOB: 'binary',
  UBIGINT: 'decimal(20, 0)',
  HUGEINT: 'decimal(38, 0)',
};

/** The Iceberg type a source column of this DuckDB type is stored as. */
export function icebergTypeOf(column: string, duckType: string): IcebergPrimitiveType {
  const simple = SIMPLE[duckType];
  if (simple !== undefined) return simple;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(duckType);
  if (decimal) return `decimal(${Number(decimal[1])}, ${Number(decimal[2])})`;
  if (duckType.startsWith('ENUM(')) return 'string';
  throw new UnsupportedTypeError(column, duckType);
}

/** A double-quoted SQL identifier. Names are validated before they get here; quoting is the second guard. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted SQL string literal. */
export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A DuckDB list of exactly these files. DuckDB expands `*`, `?` and `[...]` in file names, so a
 * file literally named `*.csv` would also load every other CSV beside it (hidden ones included,
 * none of them listed or fingerprinted): each such character is escaped as a one-character class.
 */
export function quoteFileList(paths: readonly string[]): string {
  return `[${paths.map((file) => quoteString(file.replace(/[*?[]/g, (c) => `[${c}]`))).join(', ')}]`;
}
