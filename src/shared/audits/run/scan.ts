import type { ResolvedCheck } from '../checks/resolve.js';
import { fuseScan, sampleQuery, standaloneScan, valuesOf } from '../compile/plan.js';
import { compileScanCheck, scanCheckColumns, type ScanCheck, type ScanCheckDef } from '../compile/scan-checks.js';
import type { SampleRow, ScanResult } from '../report/types.js';
import { ident } from '../sql.js';
import { checkErrorMessage, columnType, missingColumnsMessage, queryRows, resolveColumn, since, type Evaluated, type RunEnv } from './env.js';

interface Compiled {
  readonly resolved: ResolvedCheck;
  readonly scan: ScanCheck;
  readonly standalone: string;
}

export interface ScanPhase {
  readonly evaluated: Map<ResolvedCheck, Evaluated>;
  readonly scans: ScanResult[];
}

function compile(env: RunEnv, resolved: ResolvedCheck): Compiled | string {
  const check = resolved.check as ScanCheckDef;
  const names = scanCheckColumns(check);
  const missing = names.filter((name) => resolveColumn(env.columns, name) === undefined);
  if (missing.length > 0) return missingColumnsMessage(env.table, env.label, missing, env.columns);
  const typeOf = (name: string) => columnType(env.columns, name);
  if (check.type === 'pattern' && check.regex !== undefined && typeOf(check.column) === 'binary') {
    return `a pattern's regex needs a text column; ${check.column} is binary (minLength and maxLength alone count its bytes)`;
  }
  if (check.type === 'freshness') {
    const type = typeOf(check.column) ?? '';
    if (!['date', 'timestamp', 'timestamptz'].includes(type)) return `freshness needs a date or timestamp column; ${check.column} is ${type}`;
  }
  const scan = compileScanCheck(check, {
    col: (name) => ident(resolveColumn(env.columns, name) ?? name),
    typeOf,
    now: env.now,
  });
  return { resolved, scan, standalone: standaloneScan(env.tableRef, scan).sql };
}

async function sampleOf(env: RunEnv, compiled: Compiled): Promise<{ sample: SampleRow[]; sampleSql: string | null; ms: number; note?: string }> {
  const failing = compiled.scan.failingRows;
  if (failing === undefined || env.sampleSize === 0) return { sample: [], sampleSql: null, ms: 0 };
  const sql = sampleQuery({
    tableRef: env.tableRef,
    failing,
    allColumns: env.columns.map((c) => ident(c.name)),
    keyColumns: env.keyColumns,
    limit: env.sampleSize,
  });
  const start = performance.now();
  try {
    return { sample: (await queryRows(env, sql)) as SampleRow[], sampleSql: sql, ms: since(start) };
  } catch (error) {
    return { sample: [], sampleSql: sql, ms: since(start), note: `the sample query failed: ${checkErrorMessage(error)}` };
  }
}

/** Outcomes from values; failing checks then get their sample rows. */
async function finish(env: RunEnv, compiled: Compiled, values: readonly unknown[], ms: number, scan: number | null): Promise<Evaluated> {
  const outcome = compiled.scan.evaluate(values);
  const failing = !outcome.ok && (outcome.failingCount ?? 0) > 0;
  const sample = failing ? await sampleOf(env, compiled) : { sample: [], sampleSql: null, ms: 0 };
  return {
    outcome: sample.note === undefined ? outcome : { ...outcome, message: `${outcome.message} (${sample.note})` },
    sample: sample.sample,
    sql: compiled.standalone,
    sampleSql: sample.sampleSql,
    scan,
    durationMs: Math.round((ms + sample.ms) * 10) / 10,
  };
}

async function runAlone(env: RunEnv, compiled: Compiled): Promise<Evaluated> {
  const start = performance.now();
  try {
    const [row] = await queryRows(env, compiled.standalone);
    const plan = standaloneScan(env.tableRef, compiled.scan);
    return await finish(env, compiled, valuesOf(row ?? {}, plan.slots[0] ?? []), since(start), null);
  } catch (error) {
    return { error: checkErrorMessage(error), sql: compiled.standalone, scan: null, durationMs: since(start) };
  }
}

/**
 * Phase one of an audit: every check computable by aggregates runs in one fused scan (or, with
 * `fuse: false`, one query each). If the fused scan fails, say on one check's bad `where`,
 * each check runs alone so only the broken one reports `error`.
 */
export async function runScanChecks(env: RunEnv, checks: readonly ResolvedCheck[], fuse: boolean): Promise<ScanPhase> {
  const evaluated = new Map<ResolvedCheck, Evaluated>();
  const scans: ScanResult[] = [];
  const compiled: Compiled[] = [];
  for (const resolved of checks) {
    const result = compile(env, resolved);
    if (typeof result === 'string') evaluated.set(resolved, { error: result, sql: null, scan: null, durationMs: 0 });
    else compiled.push(result);
  }
  if (compiled.length === 0) return { evaluated, scans };

  if (fuse) {
    const plan = fuseScan(env.tableRef, compiled.map((c) => c.scan));
    const start = performance.now();
    let row: Record<string, unknown> | undefined;
    try {
      [row] = await queryRows(env, plan.sql);
    } catch (error) {
      const message = checkErrorMessage(error);
      scans.push({ sql: plan.sql, durationMs: since(start), checks: [], error: `${message}; the checks ran one by one instead` });
    }
    if (row !== undefined) {
      const ms = since(start);
      const index = scans.push({ sql: plan.sql, durationMs: ms, checks: compiled.map((c) => c.resolved.name) }) - 1;
      for (const [i, c] of compiled.entries()) {
        evaluated.set(c.resolved, await finish(env, c, valuesOf(row, plan.slots[i] ?? []), ms, index));
      }
      return { evaluated, scans };
    }
  }
  for (const c of compiled) evaluated.set(c.resolved, await runAlone(env, c));
  return { evaluated, scans };
}
