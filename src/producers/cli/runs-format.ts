import type { RunRecord } from '../../shared/ledger/index.js';
import { formatTable } from './output.js';

interface FailedCheck {
  name: string;
  type?: string;
  status?: string;
  failingCount?: number | null;
  message?: string;
  sample?: unknown[];
}

/** The failed error-severity checks of a run's audit report. */
export function failedChecksOf(run: RunRecord): FailedCheck[] {
  const checks = (run.report?.['checks'] ?? []) as Array<FailedCheck & { severity?: string }>;
  return checks.filter((c) => c.severity === 'error' && (c.status === 'failed' || c.status === 'error'));
}

/** The checks of a run's report that warned (a warn-severity check that failed or errored). */
function warnedChecksOf(run: RunRecord): FailedCheck[] {
  const checks = (run.report?.['checks'] ?? []) as FailedCheck[];
  return checks.filter((c) => c.status === 'warned' || (c.status === 'error' && (c as { severity?: string }).severity === 'warn'));
}

function checkLines(checks: readonly FailedCheck[]): string[] {
  const lines: string[] = [];
  for (const check of checks) {
    const counted = check.failingCount === null || check.failingCount === undefined ? '' : `${check.failingCount} failing: `;
    lines.push(`  ${check.name} (${check.type ?? '?'}): ${counted}${check.message ?? ''}`);
    const sample = (check.sample ?? []).slice(0, 5) as Record<string, unknown>[];
    if (sample.length > 0) lines.push(...formatTable(sample).split('\n').map((l) => `    ${l}`));
  }
  return lines;
}

/** The quarantine branch an audit_failed run kept; undefined when the request had it deleted. */
function keptBranch(run: RunRecord): string | undefined {
  if (run.status !== 'audit_failed') return undefined;
  return run.request['onAuditFailure'] === 'delete' ? undefined : run.branch;
}

export function runSummaryLine(run: RunRecord): string {
  const parts = [`${run.runId}  ${run.table}  ${run.status}`];
  if (run.rows !== undefined) parts.push(`${run.rows} rows`);
  if (run.publishedCommit !== undefined) parts.push(`commit ${run.publishedCommit.slice(0, 12)}`);
  const kept = keptBranch(run);
  if (kept !== undefined) parts.push(`branch ${kept}`);
  else if (run.status === 'audit_failed' && run.branch !== undefined) parts.push(`branch ${run.branch} (deleted, as the request asked)`);
  if (run.error !== undefined) parts.push(`${run.error.code}: ${run.error.message}`);
  return parts.join('  ');
}

export function runDetails(run: RunRecord): string {
  const lines = [runSummaryLine(run), ''];
  lines.push(formatTable(run.history.map((h) => ({ status: h.status, at: h.at, note: h.note ?? '' }))));
  const failed = failedChecksOf(run);
  if (failed.length > 0) lines.push('', 'failed checks:', ...checkLines(failed));
  const warned = warnedChecksOf(run);
  if (warned.length > 0) lines.push('', 'warnings (warn-severity checks that did not pass; they do not block a publish):', ...checkLines(warned));
  return lines.join('\n');
}

export function runsTable(runs: readonly RunRecord[]): string {
  return formatTable(
    runs.map((r) => ({ run: r.runId, table: r.table, status: r.status, rows: r.rows ?? '', updated: r.updatedAt, branch: keptBranch(r) ?? '' })),
  );
}
