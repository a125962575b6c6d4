import type { JsonValue } from '../report/types.js';

/** What evaluating one check found, before severity turns it into a status. */
export interface Outcome {
  /** True when the threshold is met. */
  readonly ok: boolean;
  readonly observed: JsonValue;
  readonly threshold: Record<string, JsonValue>;
  readonly failingCount: number | null;
  readonly failingPercent: number | null;
  readonly checkedRows: number | null;
  readonly message: string;
}

/** A number from a query result (counts may come back as numeric strings past 2^53). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** A JSON-safe copy of a query value. */
export function toJson(value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as JsonValue;
}

export function percentOf(part: number, whole: number): number {
  return whole === 0 ? 0 : (part / whole) * 100;
}

/**
 * `percent <= limit`, where the percent came from a division: 7 of 100 rows is 7.000000000000001 %
 * in floating point, and must still pass "at most 7 %". Differences below a billionth count as equal.
 */
export function atMostPercent(percent: number, limit: number): boolean {
  return percent <= limit || percent - limit <= 1e-9 * Math.max(1, Math.abs(limit));
}

export function formatPercent(value: number): string {
  if (value === 0) return '0%';
  if (value < 0.01) return '<0.01%';
  return `${Number(value.toFixed(2))}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export interface FailingThreshold {
  readonly maxFailing?: number | undefined;
  readonly maxFailingPercent?: number | undefined;
}

/**
 * The outcome of a failing-rows check. With a percent threshold the observed value is the
 * failing percent; otherwise it is the failing count, and the default threshold is 0 rows.
 */
export function failingOutcome(
  spec: FailingThreshold,
  failing: number,
  checked: number | null,
  what: string,
  options: { readonly percentKey?: string; readonly unit?: string } = {},
): Outcome {
  const { percentKey = 'maxFailingPercent', unit = 'row' } = options;
  const percent = checked === null ? null : percentOf(failing, checked);
  const of = checked === null ? plural(failing, unit) : `${failing.toLocaleString('en-US')} of ${plural(checked, unit)}`;
  const found = `${of} ${what}${percent === null ? '' : ` (${formatPercent(percent)})`}`;
  if (spec.maxFailingPercent !== undefined && percent !== null) {
    const limit = spec.maxFailingPercent;
    return {
      ok: atMostPercent(percent, limit),
      observed: percent,
      threshold: { [percentKey]: limit },
      failingCount: failing,
      failingPercent: percent,
      checkedRows: checked,
      message: `${found}; at most ${limit}% allowed`,
    };
  }
  const limit = spec.maxFailing ?? 0;
  return {
    ok: failing <= limit,
    observed: failing,
    threshold: { maxFailing: limit },
    failingCount: failing,
    failingPercent: percent,
    checkedRows: checked,
    message: limit === 0 ? found : `${found}; at most ${plural(limit, unit)} allowed`,
  };
}

/** `between 1 and 10`, `at least 1`, `at most 10` */
export function describeBounds(min: JsonValue | undefined, max: JsonValue | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${String(min)} and ${String(max)}`;
  if (min !== undefined) return `at least ${String(min)}`;
  return `at most ${String(max)}`;
}

export function bounds(min: JsonValue | undefined, max: JsonValue | undefined): Record<string, JsonValue> {
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}
