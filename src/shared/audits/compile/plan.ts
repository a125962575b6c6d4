import { and, ident } from '../sql.js';
import type { FailingRows, ScanCheck } from './scan-checks.js';

/**
 * The fused planner: the aggregates of many checks become the select list of one query, so
 * the table is read once. Identical expressions (the `count(*)` most checks share, say) are
 * computed once and handed to every check that asked for them.
 */
export interface FusedScan {
  readonly sql: string;
  /** For each check, in order, the aliases of its aggregates in the result row. */
  readonly slots: readonly (readonly string[])[];
}

export function fuseScan(tableRef: string, checks: readonly ScanCheck[]): FusedScan {
  const aliases = new Map<string, string>();
  const select: string[] = [];
  const slots = checks.map((check) =>
    check.aggregates.map((expression) => {
      let alias = aliases.get(expression);
      if (alias === undefined) {
        alias = `a${aliases.size}`;
        aliases.set(expression, alias);
        select.push(`  ${expression} AS ${ident(alias)}`);
      }
      return alias;
    }),
  );
  return { sql: `SELECT\n${select.join(',\n')}\nFROM ${tableRef}`, slots };
}

/** The query that computes one check alone, with the same expressions as in the fused scan. */
export function standaloneScan(tableRef: string, check: ScanCheck): FusedScan {
  return fuseScan(tableRef, [check]);
}

/** The values of a check's aggregates from a scan's result row. */
export function valuesOf(row: Readonly<Record<string, unknown>>, slots: readonly string[]): unknown[] {
  return slots.map((alias) => row[alias] ?? null);
}

export interface SampleQueryInput {
  readonly tableRef: string;
  readonly failing: FailingRows;
  /** Every column of the table, quoted: the last sort keys, so samples are deterministic. */
  readonly allColumns: readonly string[];
  /** Quoted key columns from the table contract; when set, samples show them plus the checked columns. */
  readonly keyColumns: readonly string[];
  readonly limit: number;
}

/** Up to `limit` failing rows, in a stable order: checked columns, then key columns, then the rest. */
export function sampleQuery(input: SampleQueryInput): string {
  const { failing, keyColumns } = input;
  const shown =
    keyColumns.length > 0 && failing.columns.length > 0 ? [...new Set([...keyColumns, ...failing.columns])].join(', ') : '*';
  const order = [...new Set([...failing.columns, ...keyColumns, ...input.allColumns])];
  const lines = [`SELECT ${shown}`, `FROM ${input.tableRef}`, `WHERE ${and(failing.conditions)}`];
  if (failing.duplicatesOf !== undefined) lines.push(`QUALIFY count(*) OVER (PARTITION BY ${failing.duplicatesOf.join(', ')}) > 1`);
  if (order.length > 0) lines.push(`ORDER BY ${order.join(', ')}`);
  lines.push(`LIMIT ${input.limit}`);
  return lines.join('\n');
}
