import { isFloodgateError } from '../../errors/index.js';
import { TableNotFoundError } from '../../lakehouse/errors.js';
import type { Lakehouse } from '../../lakehouse/lakehouse.js';
import { parseTableName } from '../../lakehouse/names.js';
import { resolveChecks, type ResolvedCheck } from '../checks/resolve.js';
import { ChecksInvalidError } from '../errors.js';
import type { Check } from '../checks/schema.js';
import { isScanCheck } from '../compile/scan-checks.js';
import type { TableContract } from '../contracts.js';
import { runBatchRowCount, runNotAlreadyLoaded, runVolumeChange } from '../history/checks.js';
import type { AuditReport, CheckResult, CheckStatus, ScanResult } from '../report/types.js';
import { ident, tableRef } from '../sql.js';
import { resolveColumn, since, type AuditContext, type Evaluated, type RunEnv } from './env.js';
import { runScanChecks } from './scan.js';
import { runReferentialIntegrity, runSchemaCheck, runSqlCheck } from './table-checks.js';

export const MAX_SAMPLE_SIZE = 20;

export interface AuditRequest {
  readonly lakehouse: Lakehouse;
  /** `namespace.table` */
  readonly table: string;
  /** Branch, tag, `name@commit` or `@commit`. */
  readonly ref: string;
  /** The request's checks. They are validated again here (ChecksInvalidError), as data from a job may not be typed. */
  readonly checks: readonly Check[];
  /** The table's contract: its checks run too (a request check of the same name replaces one). */
  readonly contract?: TableContract;
  readonly context?: AuditContext;
  /** Failing rows kept per failed check, at most 20 (default 20; 0 fetches none). */
  readonly sampleSize?: number;
  /** One scan for all aggregate checks (default); false runs one query per check, for comparison. */
  readonly fuse?: boolean;
  /** Add `row_count >= 1` unless a row_count check is given (default true). */
  readonly defaultChecks?: boolean;
  readonly signal?: AbortSignal;
}

function statusOf(resolved: ResolvedCheck, evaluated: Evaluated): CheckStatus {
  if (evaluated.error !== undefined) return 'error';
  if (evaluated.outcome.ok) return 'passed';
  return resolved.severity === 'warn' ? 'warned' : 'failed';
}

function toResult(resolved: ResolvedCheck, evaluated: Evaluated): CheckResult {
  const base = { name: resolved.name, type: resolved.check.type, severity: resolved.severity, status: statusOf(resolved, evaluated) };
  if (evaluated.error !== undefined) {
    return {
      ...base,
      message: evaluated.error,
      observed: null,
      threshold: {},
      failingCount: null,
      failingPercent: null,
      checkedRows: null,
      sample: [],
      sql: evaluated.sql,
      sampleSql: null,
      scan: evaluated.scan,
      durationMs: evaluated.durationMs,
    };
  }
  const { observed, threshold, failingCount, failingPercent, checkedRows, message } = evaluated.outcome;
  return { ...base, message, observed, threshold, failingCount, failingPercent, checkedRows, sample: evaluated.sample, sql: evaluated.sql, sampleSql: evaluated.sampleSql, scan: evaluated.scan, durationMs: evaluated.durationMs };
}

async function runTableCheck(env: RunEnv, resolved: ResolvedCheck): Promise<{ evaluated: Evaluated; rowsAdded?: number }> {
  const { check } = resolved;
  switch (check.type) {
    case 'referential_integrity':
      return { evaluated: await runReferentialIntegrity(env, check) };
    case 'sql':
      return { evaluated: await runSqlCheck(env, check) };
    case 'schema':
      return { evaluated: runSchemaCheck(env, check) };
    case 'volume_change':
      return runVolumeChange(env, check);
    case 'not_already_loaded':
      return { evaluated: await runNotAlreadyLoaded(env, check) };
    case 'row_count':
      return runBatchRowCount(env, check);
    default:
      throw new Error(`${check.type} is a scan check`);
  }
}

/**
 * Runs an audit of one table at one ref: the contract's checks, the request's, and the
 * default row count. The ref is resolved once and every query reads that commit. Checks
 * computable by aggregates run first, fused into one scan; failing ones then fetch sample
 * rows; table-level and custom checks follow, one query each. Only SELECTs run, through
 * `Lakehouse.queryRows`, so no check can change data.
 */
export async function runAudit(request: AuditRequest): Promise<AuditReport> {
  const started = performance.now();
  const context = request.context ?? {};
  const now = context.now ?? new Date();
  const startedAt = new Date().toISOString();
  const table = parseTableName(request.table).qualified;
  const resolved = resolveChecks({
    checks: request.checks,
    contractChecks: request.contract?.checks ?? [],
    ...(request.defaultChecks === undefined ? {} : { defaultChecks: request.defaultChecks }),
    // A run knows its batch: the default check then counts the rows it added, not the table's.
    batchKnown: context.rowsAdded !== undefined,
  });
  const { lakehouse } = request;
  const ref = await lakehouse.getRef(request.ref);
  const at = lakehouse.capabilities.commitPinnedRefs ? `@${ref.commit}` : request.ref;
  const columns = await lakehouse.tableSchema(table, at).catch((error: unknown) => {
    throw isFloodgateError(error) && error.code === 'TABLE_NOT_FOUND' ? new TableNotFoundError(table, request.ref) : error;
  });
  const declaredKeys = request.contract?.keyColumns ?? [];
  const unknownKeys = declaredKeys.flatMap((k, i) => (resolveColumn(columns, k) === undefined ? [`keyColumns[${i}]: column ${JSON.stringify(k)} is not in ${table}`] : []));
  if (unknownKeys.length > 0) throw new ChecksInvalidError(`contract of ${table}`, unknownKeys);
  const keyColumns = declaredKeys.map((k) => ident(resolveColumn(columns, k) as string));
  const env: RunEnv = {
    lakehouse,
    table,
    tableRef: tableRef(table),
    at,
    label: request.ref,
    columns,
    keyColumns,
    sampleSize: Math.max(0, Math.min(MAX_SAMPLE_SIZE, Math.floor(request.sampleSize ?? MAX_SAMPLE_SIZE))),
    context,
    now,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  };

  const phase = await runScanChecks(env, resolved.filter((r) => isScanCheck(r.check)), request.fuse !== false);
  const evaluated = phase.evaluated;
  let rowsAdded = context.rowsAdded;
  for (const r of resolved.filter((c) => !isScanCheck(c.check))) {
    const outcome = await runTableCheck(env, r);
    evaluated.set(r, outcome.evaluated);
    rowsAdded ??= outcome.rowsAdded;
  }

  const checks = resolved.map((r) => toResult(r, evaluated.get(r) as Evaluated));
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const scans: ScanResult[] = phase.scans;
  return {
    formatVersion: 1,
    table,
    ref: request.ref,
    commit: ref.commit,
    passed: checks.every((c) => c.severity !== 'error' || c.status === 'passed'),
    startedAt,
    durationMs: since(started),
    summary: { total: checks.length, passed: count('passed'), failed: count('failed'), warned: count('warned'), errors: count('error') },
    rowsAdded: rowsAdded ?? null,
    fingerprints: [...(context.fingerprints ?? [])],
    scans,
    checks,
  };
}
