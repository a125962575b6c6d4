import { renderMarkdown } from '../../audits/report/markdown.js';
import type { AuditReport } from '../../audits/report/types.js';
import { artifactKey } from './ids.js';

const MAX_MARKDOWN = 200_000;
const MAX_CELL = 500;

export interface ArtifactBody {
  readonly key: string;
  readonly type: 'table' | 'markdown';
  readonly description: string;
  readonly data: string;
  readonly flow_run_id: string;
  readonly task_run_id?: string;
}

function cell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 3)}...` : text;
}

/** The table artifact's key for a run: `wap-audit-<run id>`, and the summary's: `wap-audit-summary-<run id>`. */
export function auditArtifactKeys(runId: string): { table: string; markdown: string } {
  return { table: artifactKey('wap-audit', runId), markdown: artifactKey('wap-audit-summary', runId) };
}

/** The audit report as a table artifact (one row per check) and a markdown summary, linked to the run. */
export function auditArtifacts(runId: string, report: AuditReport, link: { flowRunId: string; taskRunId?: string }): ArtifactBody[] {
  const keys = auditArtifactKeys(runId);
  const { summary } = report;
  const verdict = report.passed ? 'passed' : 'FAILED';
  const description = `Audit of ${report.table} at ${report.commit.slice(0, 12)}: ${verdict} (${summary.passed}/${summary.total} passed, ${summary.failed} failed, ${summary.warned} warned, ${summary.errors} errors)`;
  const rows = report.checks.map((check) => ({
    check: cell(check.name),
    type: cell(check.type),
    severity: cell(check.severity),
    status: cell(check.status),
    observed: cell(check.observed),
    failing: cell(check.failingCount),
    failing_percent: cell(check.failingPercent),
    checked_rows: cell(check.checkedRows),
    message: cell(check.message),
  }));
  let markdown = renderMarkdown(report);
  if (markdown.length > MAX_MARKDOWN) markdown = `${markdown.slice(0, MAX_MARKDOWN)}\n\n_(truncated)_`;
  const links = { flow_run_id: link.flowRunId, ...(link.taskRunId === undefined ? {} : { task_run_id: link.taskRunId }) };
  return [
    { key: keys.table, type: 'table', description, data: JSON.stringify(rows), ...links },
    { key: keys.markdown, type: 'markdown', description, data: markdown, ...links },
  ];
}
