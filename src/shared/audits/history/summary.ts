import type { AuditReport, CheckResult } from '../report/types.js';

const MAX_LIST = 1000;

function list(checks: readonly CheckResult[]): string {
  const text = checks.map((c) => c.name).join(', ');
  return text.length <= MAX_LIST ? text : `${text.slice(0, MAX_LIST - 3)}...`;
}

/** Checks that block a publish: error severity and not passed. */
export function blockingChecks(report: Pick<AuditReport, 'checks'>): CheckResult[] {
  return report.checks.filter((c) => c.severity === 'error' && c.status !== 'passed');
}

/** Checks that only record: warn severity and not passed. */
export function warningChecks(report: Pick<AuditReport, 'checks'>): CheckResult[] {
  return report.checks.filter((c) => c.severity === 'warn' && c.status !== 'passed');
}

/** The report's summary as commit properties (string → string), for the publish merge. */
export function summarizeForCommit(report: AuditReport): Record<string, string> {
  const failed = blockingChecks(report);
  const warned = warningChecks(report);
  return {
    'floodgate.audit.table': report.table,
    'floodgate.audit.commit': report.commit,
    'floodgate.audit.passed': String(report.passed),
    'floodgate.audit.checks': String(report.checks.length),
    'floodgate.audit.failed': String(failed.length),
    'floodgate.audit.warned': String(warned.length),
    ...(failed.length === 0 ? {} : { 'floodgate.audit.failed-checks': list(failed) }),
    ...(warned.length === 0 ? {} : { 'floodgate.audit.warned-checks': list(warned) }),
    'floodgate.audit.duration-ms': String(Math.round(report.durationMs)),
  };
}
