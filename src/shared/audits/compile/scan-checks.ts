import type {
  AcceptedValuesCheck,
  AggregateCheck,
  Check,
  ExpressionCheck,
  FreshnessCheck,
  NotNullCheck,
  PatternCheck,
  RangeCheck,
  RowCountCheck,
  UniqueCheck,
} from '../checks/schema.js';
import { formatDuration, parseDuration } from '../duration.js';
import { and, fragment, literal, str } from '../sql.js';
import { bounds, describeBounds, failingOutcome, plural, toJson, toNumber, type Outcome } from './outcome.js';

/**
 * Checks computed by aggregates over the audited table, so all of them fuse into one scan.
 * Each compiles to a list of aggregate expressions and a function from their values to an
 * outcome. Every expression honours the check's `where` through `FILTER (WHERE ...)`.
 *
 * NULLs: a failing-row predicate over a NULL value is itself NULL, which FILTER and WHERE
 * treat as false, so `accepted_values`, `range`, `pattern` and `expression` ignore NULLs
 * without saying `IS NOT NULL` (docs/audits.md, "NULLs").
 */

export const SCAN_CHECK_TYPES = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'pattern',
  'row_count',
  'expression',
  'aggregate',
  'freshness',
] as const;
export type ScanCheckType = (typeof SCAN_CHECK_TYPES)[number];
export type ScanCheckDef = Extract<Check, { type: ScanCheckType }>;

export function isScanCheck(check: Check): check is ScanCheckDef {
  // A batch row count is the run's own number (or a difference of two counts), not an aggregate of the audited rows.
  if (check.type === 'row_count' && check.scope === 'batch') return false;
  return (SCAN_CHECK_TYPES as readonly string[]).includes(check.type);
}

/** How to find a failing check's rows: `WHERE <conditions>`, or rows whose key repeats. */
export interface FailingRows {
  readonly conditions: readonly string[];
  readonly duplicatesOf?: readonly string[];
  /** Quoted columns to show first and sort by. */
  readonly columns: readonly string[];
}

export interface ScanCheck {
  readonly aggregates: readonly string[];
  evaluate(values: readonly unknown[]): Outcome;
  readonly failingRows?: FailingRows;
}

export interface CompileEnv {
  /** The quoted, resolved identifier of a column the check names. */
  col(name: string): string;
  /** The column's Iceberg type (`string`, `long`, ...), when the table has it. */
  typeOf(name: string): string | undefined;
  readonly now: Date;
}

/** `count(*) FILTER (WHERE ...)` over the check's where and the given conditions. */
function countWhere(conditions: readonly string[]): string {
  return conditions.length === 0 ? 'count(*)' : `count(*) FILTER (WHERE ${and(conditions)})`;
}

function filtered(call: string, conditions: readonly string[]): string {
  return conditions.length === 0 ? call : `${call} FILTER (WHERE ${and(conditions)})`;
}

function scope(check: { where?: string | undefined }): string[] {
  return check.where === undefined ? [] : [fragment(check.where)];
}

/** A check that counts failing rows among those matching `where`. */
function failingRowsCheck(
  check: Check & { where?: string | undefined; maxFailing?: number | undefined; maxFailingPercent?: number | undefined },
  failing: string,
  what: string,
  columns: readonly string[],
  percentKey?: string,
  percentLimit?: number,
): ScanCheck {
  const where = scope(check);
  return {
    aggregates: [countWhere(where), countWhere([...where, failing])],
    evaluate: ([checked, failed]) =>
      failingOutcome(
        percentLimit === undefined ? check : { maxFailingPercent: percentLimit },
        toNumber(failed),
        toNumber(checked),
        what,
        percentKey === undefined ? {} : { percentKey },
      ),
    failingRows: { conditions: [...where, failing], columns },
  };
}

function notNull(check: NotNullCheck, env: CompileEnv): ScanCheck {
  const c = env.col(check.column);
  const key = check.maxNullPercent === undefined ? undefined : 'maxNullPercent';
  return failingRowsCheck(check, `${c} IS NULL`, 'are NULL', [c], key, check.maxNullPercent);
}

function unique(check: UniqueCheck, env: CompileEnv): ScanCheck {
  const keys = (check.columns ?? [check.column as string]).map((name) => env.col(name));
  const where = scope(check);
  const present = [...where, ...keys.map((k) => `${k} IS NOT NULL`)];
  // One column: count() and count(DISTINCT) skip NULLs themselves, as a hand-written query would rely on.
  const [single] = keys;
  const counts =
    keys.length === 1 && single !== undefined
      ? [filtered(`count(${single})`, where), filtered(`count(DISTINCT ${single})`, where)]
      : [countWhere(present), filtered(`count(DISTINCT (${keys.join(', ')}))`, present)];
  return {
    aggregates: [countWhere(where), ...counts],
    evaluate: ([checked, withKey, distinct]) =>
      failingOutcome(check, toNumber(withKey) - toNumber(distinct), toNumber(checked), 'repeat a key already seen'),
    failingRows: { conditions: present, duplicatesOf: keys, columns: keys },
  };
}

function acceptedValues(check: AcceptedValuesCheck, env: CompileEnv): ScanCheck {
  const c = env.col(check.column);
  // A text column is compared as text: `1` in the list means '1', not every string that casts to 1.
  const text = env.typeOf(check.column) === 'string';
  const values = check.values.map((v) => (text ? str(String(v)) : literal(v)));
  const failing = `${c} NOT IN (${values.join(', ')})`;
  return failingRowsCheck(check, failing, 'have a value not in the accepted list', [c]);
}

function range(check: RangeCheck, env: CompileEnv): ScanCheck {
  const c = env.col(check.column);
  const within: string[] = [];
  if (check.min !== undefined) within.push(`${c} ${check.minInclusive === false ? '>' : '>='} ${literal(check.min)}`);
  if (check.max !== undefined) within.push(`${c} ${check.maxInclusive === false ? '<' : '<='} ${literal(check.max)}`);
  const lo = check.min === undefined ? '' : `${check.minInclusive === false ? '(' : '['}${check.min}`;
  const hi = check.max === undefined ? '' : `${check.max}${check.maxInclusive === false ? ')' : ']'}`;
  const failing = `NOT (${and(within)})`;
  return failingRowsCheck(check, failing, `are outside ${lo || '(-∞'}, ${hi || '∞)'}`, [c]);
}

function pattern(check: PatternCheck, env: CompileEnv): ScanCheck {
  const c = env.col(check.column);
  const text = `CAST(${c} AS VARCHAR)`;
  const ok: string[] = [];
  const rules: string[] = [];
  if (check.regex !== undefined) {
    ok.push(`regexp_matches(${text}, ${literal(check.regex)})`);
    rules.push(`match /${check.regex}/`);
  }
  // A binary value's length is its bytes (as text it would be its escaped form, \xAB per byte).
  const length = env.typeOf(check.column) === 'binary' ? `octet_length(${c})` : `length(${text})`;
  if (check.minLength !== undefined) ok.push(`${length} >= ${check.minLength}`);
  if (check.maxLength !== undefined) ok.push(`${length} <= ${check.maxLength}`);
  if (check.minLength !== undefined || check.maxLength !== undefined) {
    rules.push(`have a length ${describeBounds(check.minLength, check.maxLength)}`);
  }
  return failingRowsCheck(check, `NOT (${and(ok)})`, `do not ${rules.join(' and ')}`, [c]);
}

function rowCount(check: RowCountCheck): ScanCheck {
  return {
    aggregates: [countWhere(scope(check))],
    evaluate: ([value]) => {
      const rows = toNumber(value);
      const ok = (check.min === undefined || rows >= check.min) && (check.max === undefined || rows <= check.max);
      return {
        ok,
        observed: rows,
        threshold: bounds(check.min, check.max),
        failingCount: null,
        failingPercent: null,
        checkedRows: rows,
        message: `${plural(rows, 'row')}${check.where === undefined ? '' : ' matching where'}; expected ${describeBounds(check.min, check.max)}`,
      };
    },
  };
}

function expression(check: ExpressionCheck): ScanCheck {
  return failingRowsCheck(check, `NOT ${fragment(check.expression)}`, 'do not satisfy the expression', []);
}

const AGGREGATE_SQL: Readonly<Record<AggregateCheck['function'], (column: string) => string>> = {
  mean: (c) => `avg(${c})`,
  sum: (c) => `sum(${c})`,
  min: (c) => `min(${c})`,
  max: (c) => `max(${c})`,
  count_distinct: (c) => `count(DISTINCT ${c})`,
};

function aggregate(check: AggregateCheck, env: CompileEnv): ScanCheck {
  const floating = check.function !== 'count_distinct' && ['float', 'double'].includes(env.typeOf(check.column) ?? '');
  const value = filtered(AGGREGATE_SQL[check.function](env.col(check.column)), scope(check));
  const tests: string[] = [];
  if (check.min !== undefined) tests.push(`${value} >= ${literal(check.min)}`);
  if (check.max !== undefined) tests.push(`${value} <= ${literal(check.max)}`);
  return {
    aggregates: [value, and(tests)],
    evaluate: ([observed, within]) => {
      const expected = describeBounds(check.min, check.max);
      const label = `${check.function}(${check.column})`;
      // DuckDB orders NaN above every number, so `NaN >= min` is true there; no bound holds for NaN
      // (a float column's NaN comes back as the string "NaN" in JSON-safe rows).
      const nan = floating && (observed === 'NaN' || (typeof observed === 'number' && Number.isNaN(observed)));
      return {
        ok: within === true && !nan,
        observed: toJson(observed),
        threshold: { function: check.function, ...bounds(check.min, check.max) },
        failingCount: null,
        failingPercent: null,
        checkedRows: null,
        message:
          observed === null || observed === undefined
            ? `${label} is NULL: no non-NULL values to aggregate; expected ${expected}`
            : nan
              ? `${label} is NaN (the column holds NaN), which no bound admits; expected ${expected}`
              : `${label} is ${String(observed)}; expected ${expected}`,
      };
    },
  };
}

function freshness(check: FreshnessCheck, env: CompileEnv): ScanCheck {
  const latest = filtered(`max(${env.col(check.column)})`, scope(check));
  const maxAgeMs = parseDuration(check.maxAge);
  return {
    aggregates: [latest, `epoch(${latest})`],
    evaluate: ([value, seconds]) => {
      const threshold = { maxAge: check.maxAge };
      if (value === null || value === undefined) {
        const message = `${check.column} has no non-NULL values, so its freshness is unknown; expected at most ${check.maxAge} old`;
        return { ok: false, observed: null, threshold, failingCount: null, failingPercent: null, checkedRows: null, message };
      }
      const ageMs = env.now.getTime() - toNumber(seconds) * 1000;
      return {
        ok: ageMs <= maxAgeMs,
        observed: { latest: toJson(value), ageSeconds: Math.round(ageMs / 1000) },
        threshold,
        failingCount: null,
        failingPercent: null,
        checkedRows: null,
        message: `newest ${check.column} is ${String(value)}, ${formatDuration(ageMs)} old; expected at most ${check.maxAge}`,
      };
    },
  };
}

/** The column names a scan check refers to, as written in the check. */
export function scanCheckColumns(check: ScanCheckDef): string[] {
  switch (check.type) {
    case 'unique':
      return check.columns ?? [check.column as string];
    case 'row_count':
    case 'expression':
      return [];
    default:
      return [check.column];
  }
}

export function compileScanCheck(check: ScanCheckDef, env: CompileEnv): ScanCheck {
  switch (check.type) {
    case 'not_null':
      return notNull(check, env);
    case 'unique':
      return unique(check, env);
    case 'accepted_values':
      return acceptedValues(check, env);
    case 'range':
      return range(check, env);
    case 'pattern':
      return pattern(check, env);
    case 'row_count':
      return rowCount(check);
    case 'expression':
      return expression(check);
    case 'aggregate':
      return aggregate(check, env);
    case 'freshness':
      return freshness(check, env);
  }
}
