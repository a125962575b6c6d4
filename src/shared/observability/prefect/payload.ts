import type { AuditReport } from '../../audits/report/types.js';
import type { RunEvent } from '../ports.js';

/** Prefect drops an event over 1.5 MB without a word: keep ours far below. */
const MAX_EVENT_BYTES = 256 * 1024;
const MAX_STRING = 2_000;
const MAX_ITEMS = 50;

/** The audit report carried by audit events, when it looks like one. */
export function auditReport(event: RunEvent): AuditReport | undefined {
  const report = event.payload['report'];
  if (typeof report !== 'object' || report === null) return undefined;
  const candidate = report as Partial<AuditReport>;
  return Array.isArray(candidate.checks) && typeof candidate.summary === 'object' ? (report as AuditReport) : undefined;
}

function trim(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING - 3)}...` : value;
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => trim(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    if (depth > 4) return '[nested]';
    return Object.fromEntries(Object.entries(value).slice(0, MAX_ITEMS).map(([key, item]) => [key, trim(item, depth + 1)]));
  }
  return value;
}

function branchOf(ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const at = ref.indexOf('@');
  return at < 0 ? ref : ref.slice(0, at);
}

/**
 * The Prefect event's payload: what the fleet sent (rows, commit, branch, status, failed checks,
 * error), never the whole audit report; commit, branch and rows are taken from the report when
 * the event does not carry them. Strings and lists are capped.
 */
export function eventPayload(event: RunEvent): Record<string, unknown> {
  const rest = Object.fromEntries(Object.entries(event.payload).filter(([key]) => key !== 'report'));
  const report = auditReport(event);
  const payload: Record<string, unknown> = { runId: event.runId, table: event.table };
  if (report !== undefined) {
    payload['commit'] = report.commit;
    payload['branch'] = branchOf(report.ref);
    payload['rows'] = report.rowsAdded;
    payload['summary'] = report.summary;
  }
  Object.assign(payload, trim(rest) as Record<string, unknown>);
  const error = payload['error'];
  if (typeof error === 'object' && error !== null) {
    const { code, message, retryable } = error as Record<string, unknown>;
    payload['error'] = { code, message, retryable };
  }
  if (Buffer.byteLength(JSON.stringify(payload)) > MAX_EVENT_BYTES) {
    const { runId, table, commit, branch, rows, status } = payload;
    return { runId, table, commit, branch, rows, status, truncated: true };
  }
  return payload;
}

/** One line for people about a failed audit: the failed checks' names. */
export function failedCheckNames(event: RunEvent): string[] {
  const failed = event.payload['failedChecks'];
  if (!Array.isArray(failed)) return [];
  return failed.map((check: unknown) =>
    typeof check === 'object' && check !== null && typeof (check as { name?: unknown }).name === 'string' ? (check as { name: string }).name : String(check),
  );
}

/** The error message a finished run carries, if any. */
export function errorMessage(event: RunEvent): string | undefined {
  const error = event.payload['error'];
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : undefined;
  return typeof code === 'string' ? `${code}: ${text ?? ''}`.trim() : text;
}
