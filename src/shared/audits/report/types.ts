import type { CheckType, Severity } from '../checks/schema.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type SampleRow = Record<string, JsonValue>;

export const CHECK_STATUSES = ['passed', 'failed', 'warned', 'error'] as const;
/** passed; failed (error severity) or warned (warn severity) when the threshold is not met; error when the check could not run. */
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface CheckResult {
  readonly name: string;
  readonly type: CheckType;
  readonly severity: Severity;
  readonly status: CheckStatus;
  /** One sentence for people: what was found, or why the check could not run. */
  readonly message: string;
  /** The value compared with the threshold (a count, a percent, a value, or a small object). */
  readonly observed: JsonValue;
  /** The threshold in force, defaults filled in. */
  readonly threshold: Record<string, JsonValue>;
  /** Failing rows (or items), where the check counts them. */
  readonly failingCount: number | null;
  /** failingCount as a percent of checkedRows. */
  readonly failingPercent: number | null;
  /** Rows (or items) the check looked at: those matching `where`. */
  readonly checkedRows: number | null;
  /** Up to `sampleSize` failing rows, fetched only when the check did not pass. */
  readonly sample: SampleRow[];
  /**
   * The query that computes this check on its own. For a check computed by the fused scan this
   * is its standalone equivalent (same expressions); the query actually run is `scans[scan]`.
   */
  readonly sql: string | null;
  readonly sampleSql: string | null;
  /** Index in `AuditReport.scans` of the fused scan that computed it, if any. */
  readonly scan: number | null;
  /** Time spent on this check: for fused checks, the shared scan plus its own sample query. */
  readonly durationMs: number;
}

export interface ScanResult {
  readonly sql: string;
  readonly durationMs: number;
  /** Names of the checks it computed. */
  readonly checks: readonly string[];
  /** Why the fused scan failed, when it did (its checks then ran one by one). */
  readonly error?: string;
}

export interface AuditSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly warned: number;
  readonly errors: number;
}

export interface AuditReport {
  readonly formatVersion: 1;
  readonly table: string;
  /** The ref as asked. */
  readonly ref: string;
  /** The commit the ref resolved to; every query read exactly this commit. */
  readonly commit: string;
  /** True when every error-severity check passed. */
  readonly passed: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly summary: AuditSummary;
  /** Rows this run added, when known (from the run, or computed by volume_change). */
  readonly rowsAdded: number | null;
  /** Fingerprints of this run's source files, when given. */
  readonly fingerprints: readonly string[];
  readonly scans: readonly ScanResult[];
  readonly checks: readonly CheckResult[];
}
