import type { AppendRecordsRequest } from '../../lakehouse.js';
import type { IcebergPrimitiveType } from '../iceberg/index.js';
import { duckTypeOf } from './types.js';

/**
 * DuckDB types for records' columns from their JS values: strings stay strings, whole numbers are
 * BIGINT, other numbers DOUBLE; a column with only nulls takes the table's type, or VARCHAR.
 */
export function recordColumnTypes(
  records: AppendRecordsRequest['records'],
  existing: ReadonlyArray<{ readonly name: string; readonly type: string }> | undefined,
): Record<string, string> {
  const kinds = new Map<string, Set<string>>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      const seen = kinds.get(name) ?? new Set<string>();
      if (value === null) continue;
      seen.add(value instanceof Date ? 'date' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value);
      kinds.set(name, seen);
    }
  }
  const types: Record<string, string> = {};
  for (const [name, seen] of kinds) {
    const field = existing?.find((f) => f.name === name);
    if (seen.has('string') || (seen.size > 1 && !(seen.size === 2 && seen.has('int') && seen.has('float')))) types[name] = 'VARCHAR';
    else if (seen.has('float')) types[name] = 'DOUBLE';
    else if (seen.has('int')) types[name] = field?.type === 'int' ? 'INTEGER' : 'BIGINT';
    else if (seen.has('boolean')) types[name] = 'BOOLEAN';
    else if (seen.has('date')) types[name] = 'TIMESTAMP WITH TIME ZONE';
    else types[name] = field === undefined ? 'VARCHAR' : duckTypeOf(field.type as IcebergPrimitiveType);
  }
  return types;
}
