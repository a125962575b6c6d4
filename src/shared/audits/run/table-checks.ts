import { isFloodgateError } from '../../errors/index.js';
import type { ColumnInfo } from '../../lakehouse/lakehouse.js';
import type { ReferentialIntegrityCheck, SchemaCheck, SqlCheck } from '../checks/schema.js';
import { failingOutcome, toNumber } from '../compile/outcome.js';
import type { JsonValue, SampleRow } from '../report/types.js';
import { and, fragment, ident, subquery, tableRef } from '../sql.js';
import { checkErrorMessage, columnType, missingColumnsMessage, queryRows, resolveColumn, since, type Evaluated, type RunEnv } from './env.js';

/** Table-level and custom checks: each runs its own query (or none) after the fused scan. */

/** A table's columns at the audited commit, or undefined when it does not exist there. */
async function schemaAt(env: RunEnv, table: string): Promise<readonly ColumnInfo[] | undefined> {
  try {
    return await env.lakehouse.tableSchema(table, env.at);
  } catch (error) {
    if (isFloodgateError(error) && error.code === 'TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function sample(env: RunEnv, sql: string): Promise<{ rows: SampleRow[]; note?: string }> {
  if (env.sampleSize === 0) return { rows: [] };
  try {
    return { rows: (await queryRows(env, sql)) as SampleRow[] };
  } catch (error) {
    return { rows: [], note: `the sample query failed: ${checkErrorMessage(error)}` };
  }
}

/** Types that compare without a cast: numbers with numbers, text with text, times with times. */
function typeFamily(type: string): string {
  if (/^(int|long|float|double|decimal)/.test(type)) return 'number';
  if (/^(date|time|timestamp)/.test(type)) return 'time';
  return type;
}

export async function runReferentialIntegrity(env: RunEnv, check: ReferentialIntegrityCheck): Promise<Evaluated> {
  const start = performance.now();
  let sql: string | null = null;
  try {
    const keys = check.columns ?? [check.column as string];
    const missing = keys.filter((k) => resolveColumn(env.columns, k) === undefined);
    if (missing.length > 0) return { error: missingColumnsMessage(env.table, env.label, missing, env.columns), sql, scan: null, durationMs: since(start) };
    const parentColumns = await schemaAt(env, check.to);
    if (parentColumns === undefined) return { error: `table ${check.to} does not exist at ${env.label}`, sql, scan: null, durationMs: since(start) };
    const toKeys = check.toColumns ?? (check.toColumn === undefined ? keys : [check.toColumn]);
    const missingTo = toKeys.filter((k) => resolveColumn(parentColumns, k) === undefined);
    if (missingTo.length > 0) return { error: missingColumnsMessage(check.to, env.label, missingTo, parentColumns), sql, scan: null, durationMs: since(start) };

    const mismatched = keys.flatMap((k, i) => {
      const childType = columnType(env.columns, k) ?? '';
      const toKey = toKeys[i] ?? '';
      const parentType = columnType(parentColumns, toKey) ?? '';
      return typeFamily(childType) === typeFamily(parentType) ? [] : [`${k} (${childType}) and ${check.to}.${toKey} (${parentType})`];
    });
    if (mismatched.length > 0) {
      return { error: `key types differ: ${mismatched.join(', ')}; compare them in a sql check with an explicit cast`, sql, scan: null, durationMs: since(start) };
    }
    const child = keys.map((k) => `c.${ident(resolveColumn(env.columns, k) as string)}`);
    const parent = toKeys.map((k, i) => `${ident(resolveColumn(parentColumns, k) as string)} AS ${ident(`k${i}`)}`);
    const from = [
      `FROM (SELECT * FROM ${env.tableRef}${check.where === undefined ? '' : ` WHERE ${fragment(check.where)}`}) AS c`,
      `LEFT JOIN (SELECT DISTINCT ${parent.join(', ')} FROM ${tableRef(check.to)}) AS p`,
      `  ON ${and(child.map((c, i) => `${c} = p.${ident(`k${i}`)}`))}`,
    ].join('\n');
    const orphan = and([...child.map((c) => `${c} IS NOT NULL`), `p.${ident('k0')} IS NULL`]);
    sql = `SELECT count(*) AS checked, count(*) FILTER (WHERE ${orphan}) AS failing\n${from}`;
    const [row] = await queryRows(env, sql);
    const outcome = failingOutcome(check, toNumber(row?.['failing']), toNumber(row?.['checked']), `have no match in ${check.to}`);
    if (outcome.ok || outcome.failingCount === 0) return { outcome, sample: [], sql, sampleSql: null, scan: null, durationMs: since(start) };

    const keyed = env.keyColumns.map((k) => `c.${k}`);
    const shown = keyed.length > 0 ? [...new Set([...keyed, ...child])].join(', ') : 'c.*';
    const order = [...new Set([...child, ...keyed, ...env.columns.map((c) => `c.${ident(c.name)}`)])];
    const sampleSql = `SELECT ${shown}\n${from}\nWHERE ${orphan}\nORDER BY ${order.join(', ')}\nLIMIT ${env.sampleSize}`;
    const rows = await sample(env, sampleSql);
    const message = rows.note === undefined ? outcome.message : `${outcome.message} (${rows.note})`;
    return { outcome: { ...outcome, message }, sample: rows.rows, sql, sampleSql, scan: null, durationMs: since(start) };
  } catch (error) {
    return { error: checkErrorMessage(error), sql, scan: null, durationMs: since(start) };
  }
}

export async function runSqlCheck(env: RunEnv, check: SqlCheck): Promise<Evaluated> {
  const start = performance.now();
  const filter = check.where === undefined ? '' : `\nWHERE ${fragment(check.where)}`;
  const violations = `FROM ${subquery(check.query)} AS violations${filter}`;
  const sql = `SELECT count(*) AS failing\n${violations}`;
  try {
    const [row] = await queryRows(env, sql);
    const outcome = failingOutcome(check, toNumber(row?.['failing']), null, 'returned by the query');
    if (outcome.ok || outcome.failingCount === 0) return { outcome, sample: [], sql, sampleSql: null, scan: null, durationMs: since(start) };
    const sampleSql = `SELECT *\n${violations}\nLIMIT ${env.sampleSize}`;
    const rows = await sample(env, sampleSql);
    const message = rows.note === undefined ? outcome.message : `${outcome.message} (${rows.note})`;
    return { outcome: { ...outcome, message }, sample: rows.rows, sql, sampleSql, scan: null, durationMs: since(start) };
  } catch (error) {
    return { error: checkErrorMessage(error), sql, scan: null, durationMs: since(start) };
  }
}

const TYPE_ALIASES: Readonly<Record<string, string>> = {
  bigint: 'long',
  int64: 'long',
  int8: 'long',
  int4: 'int',
  int2: 'int',
  float8: 'double',
  float4: 'float',
  char: 'string',
  integer: 'int',
  int32: 'int',
  smallint: 'int',
  tinyint: 'int',
  varchar: 'string',
  text: 'string',
  bool: 'boolean',
  float64: 'double',
  'double precision': 'double',
  real: 'float',
  float32: 'float',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  datetime: 'timestamp',
  'time without time zone': 'time',
  blob: 'binary',
  bytes: 'binary',
};

/** Iceberg type names, accepting common SQL spellings: `BIGINT` → `long`, `decimal(10,2)` → `decimal(10, 2)`. */
export function normalizeType(type: string): string {
  const flat = type.trim().toLowerCase().replace(/\s+/g, ' ');
  const decimal = /^(?:decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(flat);
  if (decimal) return `decimal(${decimal[1]}, ${decimal[2]})`;
  // A length is not part of an Iceberg string: varchar(20) is a string.
  const sized = /^(varchar|char|character varying|character)\s*\(\s*\d+\s*\)$/.exec(flat);
  if (sized) return 'string';
  return TYPE_ALIASES[flat] ?? flat;
}

export function runSchemaCheck(env: RunEnv, check: SchemaCheck): Evaluated {
  const start = performance.now();
  const expected = check.columns.map((c) => (typeof c === 'string' ? { name: c, type: undefined } : c));
  const problems: SampleRow[] = [];
  const listed = new Set<string>();
  for (const want of expected) {
    const name = resolveColumn(env.columns, want.name);
    const actual = env.columns.find((c) => c.name === name);
    if (actual === undefined) {
      problems.push({ column: want.name, problem: 'missing', expected: want.type ?? 'any type', actual: null });
      continue;
    }
    listed.add(actual.name);
    if (want.type !== undefined && normalizeType(want.type) !== normalizeType(actual.type)) {
      problems.push({ column: actual.name, problem: 'wrong type', expected: normalizeType(want.type), actual: actual.type });
    }
  }
  if (check.allowExtraColumns !== true) {
    for (const column of env.columns) {
      if (!listed.has(column.name)) problems.push({ column: column.name, problem: 'unexpected', expected: null, actual: column.type });
    }
  }
  const observed: Record<string, JsonValue> = Object.fromEntries(env.columns.map((c) => [c.name, c.type]));
  const threshold: Record<string, JsonValue> = {
    columns: expected.map((c) => (c.type === undefined ? c.name : `${c.name} ${normalizeType(c.type)}`)),
    allowExtraColumns: check.allowExtraColumns === true,
  };
  const message =
    problems.length === 0
      ? `all ${expected.length} expected columns are present with the expected types`
      : problems.map((p) => `${String(p['column'])}: ${String(p['problem'])}`).join('; ');
  return {
    outcome: { ok: problems.length === 0, observed, threshold, failingCount: problems.length, failingPercent: null, checkedRows: null, message },
    sample: problems.slice(0, Math.max(env.sampleSize, 0)),
    sql: null,
    sampleSql: null,
    scan: null,
    durationMs: since(start),
  };
}
