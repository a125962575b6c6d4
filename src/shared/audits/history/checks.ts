import { isFloodgateError } from '../../errors/index.js';
import type { NotAlreadyLoadedCheck, RowCountCheck, VolumeChangeCheck } from '../checks/schema.js';
import { atMostPercent, bounds, describeBounds, failingOutcome, formatPercent, plural, toNumber, type Outcome } from '../compile/outcome.js';
import type { SampleRow } from '../report/types.js';
import { checkErrorMessage, queryRows, since, type Evaluated, type RunEnv } from '../run/env.js';
import { str, tableRef } from '../sql.js';
import { AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE, historyColumns } from './tables.js';

/** Checks that compare this run with the published history of the table. */

const DEFAULT_LOOKBACK = 5;

async function countRows(env: RunEnv, ref: string): Promise<number> {
  try {
    const [row] = await queryRows(env, `SELECT count(*) AS n FROM ${env.tableRef}`, ref);
    return toNumber(row?.['n']);
  } catch (error) {
    if (isFloodgateError(error) && error.code === 'TABLE_NOT_FOUND') return 0;
    throw error;
  }
}

/** Rows this run added: from the run, else rows at the audited commit minus rows at the base ref. */
export async function rowsAddedBy(env: RunEnv): Promise<number> {
  if (env.context.rowsAdded !== undefined) return env.context.rowsAdded;
  return (await countRows(env, env.at)) - (await countRows(env, env.context.baseRef ?? 'main'));
}

/** `row_count` with `scope: batch`: the rows this run added, against min and max. */
export async function runBatchRowCount(env: RunEnv, check: RowCountCheck): Promise<{ evaluated: Evaluated; rowsAdded?: number }> {
  const start = performance.now();
  try {
    const added = await rowsAddedBy(env);
    const ok = (check.min === undefined || added >= check.min) && (check.max === undefined || added <= check.max);
    const outcome: Outcome = {
      ok,
      observed: added,
      threshold: { scope: 'batch', ...bounds(check.min, check.max) },
      failingCount: null,
      failingPercent: null,
      checkedRows: null,
      message: `${plural(added, 'row')} added by this batch; expected ${describeBounds(check.min, check.max)}`,
    };
    return { evaluated: { outcome, sample: [], sql: null, sampleSql: null, scan: null, durationMs: since(start) }, rowsAdded: added };
  } catch (error) {
    return { evaluated: { error: checkErrorMessage(error), sql: null, scan: null, durationMs: since(start) } };
  }
}

function notThisRun(env: RunEnv): string {
  return env.context.runId === undefined ? '' : `\n  AND run_id <> ${str(env.context.runId)}`;
}

function volumeOutcome(check: VolumeChangeCheck, added: number, runs: readonly SampleRow[]): Outcome {
  const lookback = check.lookback ?? DEFAULT_LOOKBACK;
  const threshold = { maxChangePercent: check.maxChangePercent, lookback };
  if (runs.length === 0) {
    const message = `no published run of this table to compare with; ${plural(added, 'row')} added`;
    return { ok: true, observed: 'no history', threshold, failingCount: null, failingPercent: null, checkedRows: null, message };
  }
  const average = runs.reduce((sum, r) => sum + toNumber(r['rows_added']), 0) / runs.length;
  const change = average === 0 ? (added === 0 ? 0 : null) : ((added - average) / average) * 100;
  const shown = change === null ? 'more than any percent' : `${change >= 0 ? '+' : '-'}${formatPercent(Math.abs(change))}`;
  return {
    ok: change !== null && atMostPercent(Math.abs(change), check.maxChangePercent),
    observed: { rowsAdded: added, average, changePercent: change, runs: runs.length },
    threshold,
    failingCount: null,
    failingPercent: null,
    checkedRows: null,
    message: `${plural(added, 'row')} added vs an average of ${Number(average.toFixed(1)).toLocaleString('en-US')} over the last ${plural(runs.length, 'published run')}: ${shown}; at most ±${check.maxChangePercent}% allowed`,
  };
}

export async function runVolumeChange(env: RunEnv, check: VolumeChangeCheck): Promise<{ evaluated: Evaluated; rowsAdded?: number }> {
  const start = performance.now();
  const historyRef = env.context.historyRef ?? 'main';
  let sql: string | null = null;
  try {
    const added = await rowsAddedBy(env);
    const columns = await historyColumns(env.lakehouse, AUDIT_RESULTS_TABLE, historyRef);
    let runs: SampleRow[] = [];
    if (columns?.some((c) => c.name === 'rows_added') === true) {
      sql = [
        'SELECT run_id, max(rows_added) AS rows_added, max(audited_at) AS audited_at',
        `FROM ${tableRef(AUDIT_RESULTS_TABLE)}`,
        `WHERE table_name = ${str(env.table)} AND published AND rows_added IS NOT NULL${notThisRun(env)}`,
        'GROUP BY run_id',
        'ORDER BY max(audited_at) DESC, run_id DESC',
        `LIMIT ${check.lookback ?? DEFAULT_LOOKBACK}`,
      ].join('\n');
      runs = (await queryRows(env, sql, historyRef)) as SampleRow[];
    }
    const outcome = volumeOutcome(check, added, runs);
    const sample = outcome.ok ? [] : runs.slice(0, env.sampleSize);
    return { evaluated: { outcome, sample, sql, sampleSql: null, scan: null, durationMs: since(start) }, rowsAdded: added };
  } catch (error) {
    return { evaluated: { error: checkErrorMessage(error), sql, scan: null, durationMs: since(start) } };
  }
}

export async function runNotAlreadyLoaded(env: RunEnv, check: NotAlreadyLoadedCheck): Promise<Evaluated> {
  const start = performance.now();
  const given = env.context.fingerprints;
  if (given === undefined) {
    const error = `${check.type} needs the fingerprints of this run's source files (context.fingerprints, or --fingerprint on the CLI)`;
    return { error, sql: null, scan: null, durationMs: 0 };
  }
  const fingerprints = [...new Set(given)];
  const historyRef = env.context.historyRef ?? 'main';
  let sql: string | null = null;
  try {
    let loaded: SampleRow[] = [];
    if (fingerprints.length > 0 && (await historyColumns(env.lakehouse, LOADED_FILES_TABLE, historyRef)) !== undefined) {
      sql = [
        'SELECT fingerprint, min(loaded_at) AS first_loaded_at, arg_min(run_id, loaded_at) AS run_id,',
        '  arg_min(commit_id, loaded_at) AS commit_id, count(DISTINCT run_id) AS runs',
        `FROM ${tableRef(LOADED_FILES_TABLE)}`,
        `WHERE table_name = ${str(env.table)} AND published${notThisRun(env)}`,
        `  AND fingerprint IN (${fingerprints.map(str).join(', ')})`,
        'GROUP BY fingerprint',
        'ORDER BY fingerprint',
      ].join('\n');
      loaded = (await queryRows(env, sql, historyRef)) as SampleRow[];
    }
    const verb = loaded.length === 1 ? 'was' : 'were';
    const outcome = failingOutcome({ maxFailing: 0 }, loaded.length, fingerprints.length, `${verb} already published into this table`, {
      unit: 'source file',
    });
    const message = fingerprints.length === 0 ? 'no source fingerprints were given, so nothing can have been loaded before' : outcome.message;
    return {
      outcome: { ...outcome, message },
      sample: loaded.slice(0, env.sampleSize),
      sql,
      sampleSql: null,
      scan: null,
      durationMs: since(start),
    };
  } catch (error) {
    return { error: checkErrorMessage(error), sql, scan: null, durationMs: since(start) };
  }
}
