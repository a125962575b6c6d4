import { isFloodgateError } from '../../errors/index.js';
import type { ColumnInfo, Lakehouse } from '../../lakehouse/lakehouse.js';

/**
 * The audit history lives in the lakehouse itself, in two append-only tables of the
 * `_floodgate` namespace (docs/audits.md, "History"). Rows written with `published = false`
 * (a run whose audit failed) are kept for dashboards but never count as past loads.
 */
export const AUDIT_RESULTS_TABLE = '_floodgate.audit_results';
export const LOADED_FILES_TABLE = '_floodgate.loaded_files';

/** A history table's columns at a ref, or undefined when it does not exist there yet. */
export async function historyColumns(lakehouse: Lakehouse, table: string, ref: string): Promise<readonly ColumnInfo[] | undefined> {
  try {
    return await lakehouse.tableSchema(table, ref);
  } catch (error) {
    if (isFloodgateError(error) && error.code === 'TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}

export type HistoryValue = string | number | boolean | Date;
export type HistoryRecord = Record<string, HistoryValue>;

/**
 * A record whose column types cannot drift between appends: absent values are left out
 * (never `null`, which a JSON reader would type as text), and numbers must be whole.
 */
export function historyRecord(fields: Readonly<Record<string, HistoryValue | null | undefined>>): HistoryRecord {
  const record: HistoryRecord = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'number' && !Number.isSafeInteger(value)) continue;
    record[key] = value;
  }
  return record;
}
