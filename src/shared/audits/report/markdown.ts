import { formatPercent, plural } from '../compile/outcome.js';
import type { AuditReport, CheckResult, CheckStatus, JsonValue, SampleRow } from './types.js';

/**
 * The report for people: GitHub-flavoured Markdown, used as the CLI's text output and as a
 * Prefect artifact. A summary table first, then one section per check that did not pass,
 * with its message, failing-row sample and SQL.
 */

const LABEL: Readonly<Record<CheckStatus, string>> = { passed: 'passed', failed: '**FAILED**', warned: 'warned', error: '**ERROR**' };
const MAX_CELL = 80;

/**
 * A number as people read it: whole numbers up to 10^15 with thousands separators, others with at
 * most 6 significant digits, so a tiny bound (1e-7) or a huge value (1e300) keeps its magnitude.
 */
function numberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toLocaleString('en-US');
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function text(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return numberText(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Text that renders as itself: Markdown emphasis, links, code and HTML tags are escaped. */
function literal(value: string): string {
  return value.replace(/[\\`*[\]<|]/g, (c) => `\\${c}`);
}

function cell(value: string): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  const short = flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 3)}...` : flat;
  return literal(short);
}

/** A table of literal cells; the columns listed in `markup` (the status labels) are Markdown already. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], markup: readonly number[] = []): string {
  const line = (cells: readonly string[]) => `| ${cells.map((value, i) => (markup.includes(i) ? value : cell(value))).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function threshold(check: CheckResult): string {
  return Object.entries(check.threshold)
    .map(([key, value]) => `${key}: ${text(value)}`)
    .join(', ');
}

function failing(check: CheckResult): string {
  if (check.failingCount === null) return '';
  const percent = check.failingPercent === null ? '' : ` (${formatPercent(check.failingPercent)})`;
  return `${check.failingCount.toLocaleString('en-US')}${percent}`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function sampleTable(rows: readonly SampleRow[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return markdownTable(columns, rows.map((row) => columns.map((c) => (row[c] === null ? 'NULL' : text(row[c])))));
}

/** SQL in a fence longer than any run of backticks inside it, so the SQL cannot close it. */
function sqlBlock(summary: string, sql: string): string {
  const longest = Math.max(0, ...(sql.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `<details><summary>${summary}</summary>\n\n${fence}sql\n${sql}\n${fence}\n\n</details>`;
}

function section(check: CheckResult, report: AuditReport): string {
  const parts = [`#### ${LABEL[check.status]}: ${cell(check.name)}`, '', literal(check.message.replace(/\s+/g, ' '))];
  if (check.sample.length > 0) {
    const of = check.failingCount !== null && check.failingCount > check.sample.length ? ` of ${check.failingCount.toLocaleString('en-US')}` : '';
    parts.push('', `Failing rows (${check.sample.length}${of}):`, '', sampleTable(check.sample));
  }
  const scan = check.scan === null ? undefined : report.scans[check.scan];
  if (check.sql !== null) parts.push('', sqlBlock(scan === undefined ? 'SQL' : `SQL (computed by fused scan ${check.scan}; this is its standalone form)`, check.sql));
  if (check.sampleSql !== null) parts.push('', sqlBlock('sample SQL', check.sampleSql));
  return parts.join('\n');
}

export function renderMarkdown(report: AuditReport): string {
  const { summary } = report;
  const verdict = report.passed ? 'passed' : '**FAILED**';
  const counts = `${plural(summary.total, 'check')}: ${summary.passed} passed, ${summary.failed} failed, ${summary.warned} warned, ${plural(summary.errors, 'error')}`;
  const out = [
    `### Audit of \`${report.table}\` at \`${report.ref}\`: ${verdict}`,
    '',
    `Commit \`${report.commit}\` · ${counts} · ${seconds(report.durationMs)}${report.rowsAdded === null ? '' : ` · ${report.rowsAdded.toLocaleString('en-US')} rows added`}`,
    '',
    markdownTable(
      ['status', 'check', 'type', 'severity', 'observed', 'threshold', 'failing', 'time'],
      report.checks.map((c) => [LABEL[c.status], c.name, c.type, c.severity, text(c.observed), threshold(c), failing(c), seconds(c.durationMs)]),
      [0],
    ),
  ];
  const notPassed = report.checks.filter((c) => c.status !== 'passed');
  for (const check of notPassed) out.push('', section(check, report));
  for (const [index, scan] of report.scans.entries()) {
    const what = scan.error === undefined ? `${plural(scan.checks.length, 'check')}, ${seconds(scan.durationMs)}` : `failed: ${scan.error}`;
    out.push('', sqlBlock(`fused scan ${index} (${what})`, scan.sql));
  }
  return out.join('\n');
}
