/** Printing for people and for programs (`--json`). */

export interface Output {
  readonly json: boolean;
  /** Data: JSON when --json, else the text form. */
  result(value: unknown, text: () => string): void;
  /** Progress and notes for people, on stderr; silent with --json unless stderr is a terminal. */
  progress(message: string): void;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : String(value)) : value;
}

export function createOutput(options: { json: boolean; quiet?: boolean }): Output {
  const showProgress = options.quiet !== true && (!options.json || process.stderr.isTTY === true);
  return {
    json: options.json,
    result(value, text) {
      process.stdout.write(options.json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : `${text()}\n`);
    },
    progress(message) {
      if (showProgress) process.stderr.write(`${message}\n`);
    },
  };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value, jsonReplacer);
  return String(value);
}

/** An aligned text table. */
export function formatTable(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const names = columns ?? Object.keys(rows[0] ?? {});
  if (names.length === 0) return '(no columns)';
  const cells = rows.map((row) => names.map((name) => cell(row[name])));
  const widths = names.map((name, i) => Math.max(name.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(names), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  return out.join('\n');
}

function csvCell(value: unknown): string {
  const text = cell(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const names = columns ?? Object.keys(rows[0] ?? {});
  return [names.map(csvCell).join(','), ...rows.map((row) => names.map((n) => csvCell(row[n])).join(','))].join('\n');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
