import { isFloodgateError, type ErrorCode } from '../../errors/index.js';
import type { ColumnInfo, Lakehouse } from '../../lakehouse/lakehouse.js';
import type { Outcome } from '../compile/outcome.js';
import type { SampleRow } from '../report/types.js';

/** What only the run knows, handed to the checks that need it. */
export interface AuditContext {
  /** Rows this run added (volume_change). When absent: rows at the ref minus rows at `baseRef`. */
  readonly rowsAdded?: number;
  /** Fingerprints of this run's source files (not_already_loaded); opaque strings. */
  readonly fingerprints?: readonly string[];
  /** This run's id: its own history rows never count as "before". */
  readonly runId?: string;
  /** Where the published history is read (default `main`). */
  readonly historyRef?: string;
  /** What rowsAdded is computed against when not given (default `main`). */
  readonly baseRef?: string;
  /** "Now" for freshness (default: the clock). */
  readonly now?: Date;
}

/** Everything a check needs while an audit runs. */
export interface RunEnv {
  readonly lakehouse: Lakehouse;
  /** `namespace.table` */
  readonly table: string;
  /** The table as quoted SQL. */
  readonly tableRef: string;
  /** The ref spec every query uses: the audited commit, pinned where the backend can. */
  readonly at: string;
  /** The ref as asked, for messages. */
  readonly label: string;
  readonly columns: readonly ColumnInfo[];
  /** Quoted key columns (table contract), for samples. */
  readonly keyColumns: readonly string[];
  readonly sampleSize: number;
  readonly context: AuditContext;
  readonly now: Date;
  readonly signal?: AbortSignal;
}

/** What running one check produced, before its severity turns it into a status. */
export type Evaluated =
  | { readonly outcome: Outcome; readonly error?: undefined; readonly sample: SampleRow[]; readonly sql: string | null; readonly sampleSql: string | null; readonly scan: number | null; readonly durationMs: number }
  | { readonly outcome?: undefined; readonly error: string; readonly sql: string | null; readonly scan: number | null; readonly durationMs: number };

export function queryRows(env: RunEnv, sql: string, ref = env.at): Promise<Record<string, unknown>[]> {
  return env.lakehouse.queryRows(sql, { ref, ...(env.signal === undefined ? {} : { signal: env.signal }) });
}

/** The table's spelling of a column: exact, else the only case-insensitive match (SQL identifiers ignore case). */
export function resolveColumn(columns: readonly ColumnInfo[], name: string): string | undefined {
  if (columns.some((c) => c.name === name)) return name;
  const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0]?.name : undefined;
}

/** The type of the table's column `name` (matched as resolveColumn does). */
export function columnType(columns: readonly ColumnInfo[], name: string): string | undefined {
  const resolved = resolveColumn(columns, name);
  return columns.find((c) => c.name === resolved)?.type;
}

export function missingColumnsMessage(table: string, at: string, missing: readonly string[], columns: readonly ColumnInfo[]): string {
  const list = missing.map((m) => JSON.stringify(m)).join(', ');
  const known = columns.map((c) => c.name).join(', ');
  return `column${missing.length === 1 ? '' : 's'} ${list} not found in ${table} at ${at} (columns: ${known || 'none'})`;
}

/**
 * Errors that belong to one check (bad SQL in it, a table it names missing) become its
 * `error` status. Anything else, above all retryable errors, aborts the audit so the caller
 * can retry it instead of recording a broken report.
 */
const CHECK_LEVEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'QUERY_FAILED',
  'QUERY_NOT_ALLOWED',
  'TABLE_NOT_FOUND',
  'INVALID_NAME',
  'INVALID_INPUT',
  'UNSUPPORTED_TYPE',
]);

export function checkErrorMessage(error: unknown): string {
  if (isFloodgateError(error) && !error.retryable && CHECK_LEVEL.has(error.code)) return error.message;
  throw error;
}

/** Milliseconds since `start`, to 0.1 ms. */
export function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
