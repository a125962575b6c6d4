import type { Lakehouse } from '../../lakehouse/lakehouse.js';
import type { AuditReport, CheckResult } from '../report/types.js';
import { summarizeForCommit } from './summary.js';
import { str, tableRef } from '../sql.js';
import { AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE, historyColumns, historyRecord, type HistoryRecord } from './tables.js';

export interface RecordAuditHistoryInput {
  readonly lakehouse: Lakehouse;
  readonly report: AuditReport;
  /**
   * The branch the rows are appended to. Appending to the run's own branch before its merge
   * publishes the history atomically with the data; appending to `main` after a publish works too.
   */
  readonly branch: string;
  readonly runId: string;
  /** Whether the run is (being) published; default `report.passed`. Only published rows count as past loads. */
  readonly published?: boolean;
  /** Time of the load recorded for fingerprints; default now. */
  readonly recordedAt?: Date;
  readonly author?: string;
  /** History tables that already hold this run's rows (a publish re-delivered after a crash): not appended again. */
  readonly skip?: HistoryPresence;
}

/** Which history tables hold rows of a run at a ref. */
export interface HistoryPresence {
  readonly results: boolean;
  readonly loadedFiles: boolean;
}

export interface RecordAuditHistoryResult {
  /** The head of `branch` after the appends. */
  readonly commit: string;
  readonly results: number;
  readonly loadedFiles: number;
}

async function holdsRun(lakehouse: Lakehouse, table: string, runId: string, ref: string): Promise<boolean> {
  if ((await historyColumns(lakehouse, table, ref)) === undefined) return false;
  const [row] = await lakehouse.queryRows(`SELECT count(*) AS n FROM ${tableRef(table)} WHERE run_id = ${str(runId)}`, { ref });
  return Number(row?.['n'] ?? 0) > 0;
}

/** Which history tables already hold rows of `runId` at `ref`; read only when a publish is re-delivered. */
export async function historyOfRun(lakehouse: Lakehouse, runId: string, ref: string): Promise<HistoryPresence> {
  const [results, loadedFiles] = await Promise.all([
    holdsRun(lakehouse, AUDIT_RESULTS_TABLE, runId, ref),
    holdsRun(lakehouse, LOADED_FILES_TABLE, runId, ref),
  ]);
  return { results, loadedFiles };
}

function resultRecord(base: HistoryRecord, check: CheckResult): HistoryRecord {
  return historyRecord({
    ...base,
    check_name: check.name,
    check_type: check.type,
    severity: check.severity,
    status: check.status,
    message: check.message,
    failing_count: check.failingCount,
    checked_rows: check.checkedRows,
    observed_json: JSON.stringify(check.observed),
    threshold_json: JSON.stringify(check.threshold),
    sample_json: JSON.stringify(check.sample),
    sql: check.sql,
    duration_ms: Math.round(check.durationMs),
  });
}

/**
 * Appends the report to the audit history: one row per check in `_floodgate.audit_results`,
 * and one row per source fingerprint in `_floodgate.loaded_files`. Each append is one commit
 * on `branch`. Column layout: docs/audits.md.
 */
export async function recordAuditHistory(input: RecordAuditHistoryInput): Promise<RecordAuditHistoryResult> {
  const { lakehouse, report, branch, runId } = input;
  const published = input.published ?? report.passed;
  const properties = { ...summarizeForCommit(report), 'floodgate.audit.run-id': runId };
  const author = input.author === undefined ? {} : { author: input.author };
  const run = historyRecord({
    run_id: runId,
    table_name: report.table,
    ref: report.ref,
    commit_id: report.commit,
    branch,
    audited_at: new Date(report.startedAt),
    published,
    run_passed: report.passed,
    rows_added: report.rowsAdded,
  });
  const fingerprints = [...new Set(report.fingerprints)];
  const loadedAt = input.recordedAt ?? new Date();
  // Two tables, two commits: made at once (each commits with a compare-and-swap on its own table).
  const appends: Array<Promise<unknown>> = [];
  if (report.checks.length > 0 && input.skip?.results !== true) {
    appends.push(
      lakehouse.appendRecords({
        table: AUDIT_RESULTS_TABLE,
        branch,
        records: report.checks.map((check) => resultRecord(run, check)),
        message: `audit history of ${report.table} (run ${runId})`,
        properties,
        ...author,
      }),
    );
  }
  if (fingerprints.length > 0 && input.skip?.loadedFiles !== true) {
    appends.push(
      lakehouse.appendRecords({
        table: LOADED_FILES_TABLE,
        branch,
        records: fingerprints.map((fingerprint) =>
          historyRecord({ table_name: report.table, fingerprint, run_id: runId, commit_id: report.commit, branch, loaded_at: loadedAt, published }),
        ),
        message: `source files of ${report.table} (run ${runId})`,
        properties,
        ...author,
      }),
    );
  }
  // allSettled: when one fails, the other has still finished (or failed) before the error is reported.
  const settled = await Promise.allSettled(appends);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const commit = (await lakehouse.getRef(branch)).commit;
  return { commit, results: report.checks.length, loadedFiles: fingerprints.length };
}
