import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type Check, type CheckResult } from '../../src/shared/audits/index.js';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { writeFile } from '../support/data.js';

/**
 * The fused scan must give exactly what each check gives alone, and both must agree with a
 * plain-JavaScript oracle, over generated tables full of NULLs, repeated keys and values out
 * of range. Seeded, so a failure reproduces.
 */

interface Row {
  readonly k: number | null;
  readonly v: number | null;
  readonly s: string | null;
  readonly g: string | null;
}
type Column = keyof Row;

const STRINGS = ['ab', 'abc', 'x', 'ZZ', 'a1', '', 'bb'] as const;

const rowArb: fc.Arbitrary<Row> = fc.record({
  k: fc.option(fc.integer({ min: 0, max: 9 }), { freq: 5 }),
  // Values on the generated bounds are common, so inclusive/exclusive edges get exercised.
  v: fc.option(fc.oneof(fc.integer({ min: -20, max: 120 }), fc.constantFrom(-10, 0, 5, 50, 100, 110)), { freq: 5 }),
  s: fc.option(fc.constantFrom(...STRINGS), { freq: 5 }),
  g: fc.option(fc.constantFrom('a', 'b'), { freq: 4 }),
});

/** Each `where` and expression the generator uses, with its meaning in JavaScript (null = SQL NULL). */
const WHERES: Readonly<Record<string, (r: Row) => boolean>> = {
  "g = 'a'": (r) => r.g === 'a',
  'k >= 3': (r) => r.k !== null && r.k >= 3,
  'v IS NOT NULL': (r) => r.v !== null,
  "s <> 'x'": (r) => r.s !== null && r.s !== 'x',
};
const EXPRESSIONS: Readonly<Record<string, (r: Row) => boolean | null>> = {
  'v > k': (r) => (r.v === null || r.k === null ? null : r.v > r.k),
  'v % 2 = 0': (r) => (r.v === null ? null : r.v % 2 === 0),
  "s <> 'x'": (r) => (r.s === null ? null : r.s !== 'x'),
  'k + 1 > 3': (r) => (r.k === null ? null : r.k + 1 > 3),
};
const REGEXES = ['^a', 'b$', '^[a-z]+$', '[0-9]', '^$'] as const;

const where = fc.option(fc.constantFrom(...Object.keys(WHERES)), { nil: undefined });
const threshold = fc.oneof(
  fc.constant({}),
  fc.record({ maxFailing: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ maxFailingPercent: fc.integer({ min: 0, max: 100 }) }),
);
const EDGES = [-10, 0, 5, 50, 100, 110];
function maybeInt(min: number, max: number): fc.Arbitrary<number | undefined> {
  const edges = EDGES.filter((b) => b >= min && b <= max);
  const int = fc.integer({ min, max });
  return fc.option(edges.length === 0 ? int : fc.oneof({ arbitrary: int, weight: 1 }, { arbitrary: fc.constantFrom(...edges), weight: 2 }), { nil: undefined });
}
const strip = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

const checkArb: fc.Arbitrary<Check> = fc
  .oneof(
    fc.record({ type: fc.constant('not_null'), column: fc.constantFrom('k', 'v', 's', 'g'), where, t: threshold }),
    fc.record({ type: fc.constant('unique'), column: fc.constantFrom('k', 's', 'g'), where, t: threshold }),
    fc.record({ type: fc.constant('unique'), columns: fc.constant(['k', 'g']), where, t: threshold }),
    fc.record({ type: fc.constant('accepted_values'), column: fc.constant('s'), values: fc.subarray(['ab', 'abc', 'x', 'ZZ'], { minLength: 1 }), where, t: threshold }),
    fc.record({ type: fc.constant('accepted_values'), column: fc.constant('k'), values: fc.subarray([0, 1, 2, 3, 4, 5], { minLength: 1 }), where, t: threshold }),
    fc.record({ type: fc.constant('range'), column: fc.constantFrom('v', 'k'), min: maybeInt(-10, 50), max: maybeInt(50, 110), minInclusive: fc.option(fc.boolean(), { nil: undefined }), maxInclusive: fc.option(fc.boolean(), { nil: undefined }), where, t: threshold }),
    fc.record({ type: fc.constant('pattern'), column: fc.constant('s'), regex: fc.option(fc.constantFrom(...REGEXES), { nil: undefined }), minLength: maybeInt(0, 2), maxLength: maybeInt(2, 4), where, t: threshold }),
    fc.record({ type: fc.constant('row_count'), min: maybeInt(0, 30), max: maybeInt(30, 60), where }),
    fc.record({ type: fc.constant('expression'), expression: fc.constantFrom(...Object.keys(EXPRESSIONS)), where, t: threshold }),
    fc.record({ type: fc.constant('aggregate'), column: fc.constantFrom('v', 'k'), function: fc.constantFrom('mean', 'sum', 'min', 'max', 'count_distinct'), min: maybeInt(-20, 40), max: maybeInt(40, 2000), where }),
  )
  .map((generated) => {
    const { t, ...check } = generated as { t?: object };
    return strip({ ...check, ...(t ?? {}) }) as unknown as Check;
  })
  .filter((check) => {
    const c = check as { type: string; min?: number; max?: number; regex?: string; minLength?: number; maxLength?: number };
    if (c.type === 'range' || c.type === 'row_count' || c.type === 'aggregate') return c.min !== undefined || c.max !== undefined;
    if (c.type === 'pattern') return c.regex !== undefined || c.minLength !== undefined || c.maxLength !== undefined;
    return true;
  });

function sqlValue(value: string | number | null): string {
  if (value === null) return 'NULL';
  return typeof value === 'number' ? String(value) : `'${value}'`;
}

function tableSql(rows: readonly Row[]): string {
  const casts = 'CAST(k AS INTEGER) AS k, CAST(v AS BIGINT) AS v, CAST(s AS VARCHAR) AS s, CAST(g AS VARCHAR) AS g';
  if (rows.length === 0) return `SELECT ${casts} FROM (SELECT NULL AS k, NULL AS v, NULL AS s, NULL AS g) WHERE false`;
  const values = rows.map((r) => `(${[r.k, r.v, r.s, r.g].map(sqlValue).join(', ')})`).join(', ');
  return `SELECT ${casts} FROM (VALUES ${values}) AS t(k, v, s, g)`;
}

interface Expected {
  readonly failingCount?: number;
  /** Rows a failing sample draws from, when not the failing rows themselves (unique: every row of a repeated key). */
  readonly failingRows?: number;
  readonly checkedRows?: number;
  readonly observed?: number | null;
}

function within(value: number, c: { min?: number; max?: number; minInclusive?: boolean; maxInclusive?: boolean }): boolean {
  const lo = c.min === undefined || (c.minInclusive === false ? value > c.min : value >= c.min);
  const hi = c.max === undefined || (c.maxInclusive === false ? value < c.max : value <= c.max);
  return lo && hi;
}

/** What each check must find, computed directly from the rows. */
function oracle(check: Check, rows: readonly Row[]): Expected {
  const scope = 'where' in check && check.where !== undefined ? rows.filter(WHERES[check.where] as (r: Row) => boolean) : [...rows];
  const count = (fails: (r: Row) => boolean) => ({ failingCount: scope.filter(fails).length, checkedRows: scope.length });
  switch (check.type) {
    case 'not_null':
      return count((r) => r[check.column as Column] === null);
    case 'unique': {
      const keys = (check.columns ?? [check.column]) as Column[];
      const present = scope.filter((r) => keys.every((k) => r[k] !== null)).map((r) => JSON.stringify(keys.map((k) => r[k])));
      const seen = new Map<string, number>();
      for (const key of present) seen.set(key, (seen.get(key) ?? 0) + 1);
      const repeated = present.filter((key) => (seen.get(key) ?? 0) > 1).length;
      return { failingCount: present.length - seen.size, checkedRows: scope.length, failingRows: repeated };
    }
    case 'accepted_values':
      return count((r) => r[check.column as Column] !== null && !(check.values as unknown[]).includes(r[check.column as Column]));
    case 'range':
      return count((r) => r[check.column as Column] !== null && !within(r[check.column as Column] as number, check as never));
    case 'pattern':
      return count((r) => {
        if (r.s === null) return false;
        const ok = (check.regex === undefined || new RegExp(check.regex).test(r.s)) && (check.minLength === undefined || r.s.length >= check.minLength) && (check.maxLength === undefined || r.s.length <= check.maxLength);
        return !ok;
      });
    case 'row_count':
      return { observed: scope.length };
    case 'expression':
      return count((r) => (EXPRESSIONS[check.expression] as (r: Row) => boolean | null)(r) === false);
    case 'aggregate': {
      const values = scope.map((r) => r[check.column as Column] as number | null).filter((v): v is number => v !== null);
      const sum = values.reduce((a, b) => a + b, 0);
      const observed = {
        mean: values.length === 0 ? null : sum / values.length,
        sum: values.length === 0 ? null : sum,
        min: values.length === 0 ? null : Math.min(...values),
        max: values.length === 0 ? null : Math.max(...values),
        count_distinct: new Set(values).size,
      }[check.function];
      return { observed };
    }
    default:
      throw new Error(`no oracle for ${check.type}`);
  }
}

function passes(check: Check, expected: Expected): boolean {
  if (check.type === 'row_count' || check.type === 'aggregate') {
    return expected.observed !== null && expected.observed !== undefined && within(expected.observed, check as never);
  }
  const failing = expected.failingCount ?? 0;
  const t = check as { maxFailing?: number; maxFailingPercent?: number };
  if (t.maxFailingPercent !== undefined) return (expected.checkedRows === 0 ? 0 : (failing / (expected.checkedRows ?? 1)) * 100) <= t.maxFailingPercent;
  return failing <= (t.maxFailing ?? 0);
}

const comparable = (c: CheckResult) => ({ name: c.name, status: c.status, observed: c.observed, threshold: c.threshold, failingCount: c.failingCount, failingPercent: c.failingPercent, checkedRows: c.checkedRows, sample: c.sample });

describe('the fused scan (property)', () => {
  let backend: OpenedBackend;
  beforeAll(async () => {
    backend = await openLocal();
  });
  afterAll(async () => {
    await backend.cleanup();
  });

  it('gives the same observed values, failing counts and samples as each check alone, and as a JS oracle', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { maxLength: 60, size: 'max' }), fc.array(checkArb, { minLength: 1, maxLength: 8, size: 'max' }), async (rows, checks) => {
        const file = await writeFile(path.join(backend.dataDir, `gen-${++run}.parquet`), tableSql(rows));
        await backend.lakehouse.importData({ table: 'gen.t', source: file, branch: 'main', mode: 'replace' });
        const request = { lakehouse: backend.lakehouse, table: 'gen.t', ref: 'main', checks, defaultChecks: false } as const;
        const fused = await runAudit(request);
        const alone = await runAudit({ ...request, fuse: false });

        expect(fused.scans).toHaveLength(1);
        expect(fused.scans[0]?.error).toBeUndefined();
        expect(alone.scans).toHaveLength(0);
        expect(fused.checks.map(comparable)).toEqual(alone.checks.map(comparable));

        fused.checks.forEach((result, i) => {
          const check = checks[i] as Check;
          const expected = oracle(check, rows);
          const label = `${result.name} over ${JSON.stringify(rows)}`;
          if (expected.failingCount !== undefined) {
            expect(result.failingCount, label).toBe(expected.failingCount);
            expect(result.checkedRows, label).toBe(expected.checkedRows);
          }
          if (expected.observed !== undefined) {
            if (typeof expected.observed === 'number' && !Number.isInteger(expected.observed)) expect(result.observed as number, label).toBeCloseTo(expected.observed, 9);
            else expect(result.observed, label).toBe(expected.observed);
          }
          expect(result.status, label).toBe(passes(check, expected) ? 'passed' : 'failed');
          const sampled = result.status === 'failed' && (result.failingCount ?? 0) > 0 ? Math.min(20, expected.failingRows ?? expected.failingCount ?? 0) : 0;
          expect(result.sample.length, label).toBe(sampled);
        });
      }),
      { seed: 20_260_301, numRuns: 100, endOnFailure: true },
    );
  }, 180_000);
});
