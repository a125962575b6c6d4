import { InvalidInputError } from '../lakehouse/errors.js';
import { parseTableName } from '../lakehouse/names.js';
import { sqlTextProblem, withoutTrailingSemicolons, type SqlTextKind } from './sql-shape.js';

/**
 * SQL text helpers for audits. Audits reach the engine only through `Lakehouse.query`, so they
 * quote what they generate themselves instead of borrowing a backend's helpers.
 */

/** A double-quoted identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string literal. */
export function str(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A literal for a value from a checks file: strings quoted, finite numbers as written, booleans as TRUE/FALSE. */
export function literal(value: string | number | boolean): string {
  if (typeof value === 'string') return str(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  return String(value);
}

/** `"namespace"."table"` for a validated `namespace.table` name. */
export function tableRef(table: string): string {
  const name = parseTableName(table);
  return `${ident(name.namespace)}.${ident(name.name)}`;
}

/** Checks are validated before they compile (see sqlText in checks/schema.ts); this guards any other caller. */
function embeddable(text: string, kind: SqlTextKind): string {
  const problem = sqlTextProblem(text, kind);
  if (problem !== undefined) throw new InvalidInputError(`not one SQL ${kind}: ${problem}`);
  return text;
}

/**
 * A user's SQL fragment (a `where`, an expression) in parentheses. A line comment in it would
 * swallow the closing parenthesis, so the parenthesis then goes on its own line.
 */
export function fragment(sql: string): string {
  const text = embeddable(sql.trim(), 'expression');
  return text.includes('--') ? `(${text}\n)` : `(${text})`;
}

/** A user's query without trailing semicolons, ready to be wrapped as a subquery. */
export function subquery(sql: string): string {
  return `(\n${withoutTrailingSemicolons(embeddable(sql, 'query'))}\n)`;
}

/** `a AND b AND ...`, or TRUE when empty. */
export function and(parts: readonly string[]): string {
  return parts.length === 0 ? 'TRUE' : parts.join(' AND ');
}
