import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE } from '../shared/audits/index.js';
import { toFloodgateError } from '../shared/errors/index.js';
import { TableNotFoundError } from '../shared/lakehouse/errors.js';
import { TERMINAL_STATUSES, type RunRecord } from '../shared/ledger/index.js';
import type { Keys } from '../shared/redis/keys.js';
import { LuaScript } from '../shared/redis/script.js';
import { EXPIRE_BATCH } from './processors/context.js';
import type { FleetDeps } from './processors/index.js';
import { finishRun } from './processors/finish.js';
import { wakeNext } from './processors/lease.js';

export interface JanitorOptions {
  /** A run that has not moved for this long, with no job left to move it, is marked failed. */
  readonly stuckAfterMs: number;
  /** Quarantine branches of audit_failed runs are deleted this long after the run ended. */
  readonly quarantineMs: number;
  /** Audit-history tables on main with at least this many data files are compacted (0: never). */
  readonly historyCompactFiles: number;
  /** The branch runs publish into, where the audit history lives. */
  readonly mainBranch: string;
  /**
   * History kept readable (null or absent: all of it): the audit-history tables' older snapshots
   * are expired, and the orphan sweep deletes files no commit within it needs.
   */
  readonly snapshotRetentionMs?: number | null;
  /** Unreferenced files younger than this stay (writes in flight); default 3 days. */
  readonly orphanMinAgeMs?: number;
  /** The sweep runs at most this often across the fleet (null or absent: never). */
  readonly orphanSweepIntervalMs?: number | null;
  /** Sweep now, whatever the interval (`floodgate janitor`). */
  readonly sweepNow?: boolean;
  readonly now?: () => number;
}

export interface JanitorReport {
  readonly releasedLocks: Array<{ table: string; runId: string; reason: string }>;
  readonly failedRuns: string[];
  /** Runs first in line that had no job (their table was never handed on) and got one. */
  readonly resumedRuns: string[];
  readonly deletedBranches: string[];
  /** Audit-history tables rewritten into fewer files (one append per run adds a file to each). */
  readonly compactedTables: Array<{ table: string; filesBefore: number; filesAfter: number }>;
  /** Audit-history tables whose old snapshots were expired. */
  readonly expiredSnapshots: Array<{ table: string; snapshotsBefore: number; snapshotsAfter: number }>;
  /** What the orphan sweep deleted, when it ran in this pass. */
  orphans?: { filesDeleted: number; bytesDeleted: number; filesTooYoung: number; expiredBefore: string };
  /** The orphan sweep ran and failed (it is tried again at the next interval). */
  orphanSweepError?: { code: string; message: string };
}

/** True when a pass did anything worth a log line. */
export function janitorDidWork(report: JanitorReport): boolean {
  return (
    report.failedRuns.length + report.resumedRuns.length + report.releasedLocks.length + report.deletedBranches.length > 0 ||
    report.compactedTables.length + report.expiredSnapshots.length > 0 ||
    (report.orphans?.filesDeleted ?? 0) > 0
  );
}

async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** True when some queue still holds a job that will move the run on. */
async function hasLiveJob(deps: FleetDeps, runId: string): Promise<boolean> {
  for (const queue of Object.values(deps.queues)) {
    const job = await queue.getJob(runId);
    if (job === undefined) continue;
    const state = await job.getState();
    if (['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'].includes(state)) return true;
  }
  return false;
}

function idleMs(record: RunRecord, now: number): number {
  return now - Date.parse(record.updatedAt);
}

/**
 * Cleans up after crashes and time: gives up on dead runs (their table goes to the next run in
 * line), deletes quarantine branches past their retention and leftover branches of runs the
 * ledger no longer knows, and prunes the ledger's index.
 */
export async function runJanitor(deps: FleetDeps, redis: Redis, keys: Keys, options: JanitorOptions): Promise<JanitorReport> {
  const now = options.now?.() ?? Date.now();
  const report: JanitorReport = { releasedLocks: [], failedRuns: [], resumedRuns: [], deletedBranches: [], compactedTables: [], expiredSnapshots: [] };

  for (const key of await scanKeys(redis, keys.waiting('*'))) {
    const table = key.slice(keys.waiting('').length);
    for (const runId of await deps.locks.line(table)) {
      const record = await deps.ledger.get(runId);
      if (record !== undefined && !TERMINAL_STATUSES.has(record.status)) {
        if (record.status === 'queued') {
          // First in line but never started, and no job: the run before it ended without handing the
          // table on, or its producer died between recording it and adding the job. Give it its
          // write job now (adding is idempotent, so a producer that was merely slow loses nothing).
          if (await hasLiveJob(deps, runId)) break;
          await wakeNext(deps, table, { runId, parked: false });
          report.resumedRuns.push(runId);
          break;
        }
        if (idleMs(record, now) < options.stuckAfterMs || (await hasLiveJob(deps, runId))) break;
        await finishRun(deps, record, 'failed', { keepBranch: true, note: `no progress for ${Math.round(idleMs(record, now) / 1000)} s and no job left` });
        report.failedRuns.push(runId);
        report.releasedLocks.push({ table, runId, reason: 'stuck' });
        continue;
      }
      // Finished or forgotten runs never hold a table.
      await wakeNext(deps, table, (await deps.runs.end(runId, table)).next);
      report.releasedLocks.push({ table, runId, reason: record === undefined ? 'unknown run' : `run ${record.status}` });
    }
  }

  for (const branch of await deps.lakehouse.listBranches({ prefix: 'wap/' })) {
    const runId = branch.name.split('/').at(-1) ?? '';
    const record = await deps.ledger.get(runId);
    let expired: boolean;
    if (record === undefined) {
      // The ledger forgot the run (its record outlived FLOODGATE_RETENTION_DAYS): the branch's own
      // last commit dates it, and it gets the quarantine's retention all the same.
      const [head] = await deps.lakehouse.log(branch.name, { limit: 1 });
      expired = head === undefined || now - Date.parse(head.createdAt) > options.quarantineMs;
    } else {
      expired =
        (record.status === 'audit_failed' && now - Date.parse(record.finishedAt ?? record.updatedAt) > options.quarantineMs) ||
        ((record.status === 'published' || record.status === 'rejected') && record.finishedAt !== undefined);
    }
    if (!expired) continue;
    await deps.lakehouse.deleteBranch(branch.name, { ifExists: true });
    report.deletedBranches.push(branch.name);
  }
  await deps.ledger.prune();
  await compactHistory(deps, options, report);
  await expireHistory(deps, options, report, now);
  await sweepOrphans(deps, redis, keys, options, report, now);
  return report;
}

/** The audit-history tables get an append per publish: their old snapshots go like a data table's. */
async function expireHistory(deps: FleetDeps, options: JanitorOptions, report: JanitorReport, now: number): Promise<void> {
  const expire = deps.lakehouse.expireSnapshots?.bind(deps.lakehouse);
  const retention = options.snapshotRetentionMs;
  if (expire === undefined || retention === undefined || retention === null) return;
  await eachHistoryTable(deps, 'expiring', async (table) => {
    const result = await expire(table, { branch: options.mainBranch, olderThanMs: retention, minSnapshots: EXPIRE_BATCH, now, message: `janitor: expire old snapshots of ${table}` });
    if (result.outcome !== 'expired') return;
    deps.metrics.snapshotsExpired(table, 'janitor', result.snapshotsBefore - result.snapshotsAfter);
    report.expiredSnapshots.push({ table, snapshotsBefore: result.snapshotsBefore, snapshotsAfter: result.snapshotsAfter });
  });
}

/**
 * Deletes the warehouse files no retained commit needs, at most once per interval across the
 * fleet (a Redis key with that expiry says when the last sweep started). A failure is logged;
 * the key stays, so the next try waits for the next interval.
 */
async function sweepOrphans(deps: FleetDeps, redis: Redis, keys: Keys, options: JanitorOptions, report: JanitorReport, now: number): Promise<void> {
  const remove = deps.lakehouse.removeOrphanFiles?.bind(deps.lakehouse);
  const retention = options.snapshotRetentionMs;
  const interval = options.orphanSweepIntervalMs;
  if (remove === undefined || retention === undefined || retention === null) return;
  const key = `${keys.prefix}:orphan-sweep`;
  if (options.sweepNow === true) {
    // A sweep on demand starts the interval over.
    if (interval !== undefined && interval !== null) await redis.set(key, String(now), 'PX', interval);
  } else if (interval === undefined || interval === null || (await redis.set(key, String(now), 'PX', interval, 'NX')) !== 'OK') {
    return;
  }
  try {
    const result = await remove({ olderThanMs: retention, now, ...(options.orphanMinAgeMs === undefined ? {} : { minAgeMs: options.orphanMinAgeMs }) });
    deps.metrics.orphansRemoved(result.filesDeleted, result.bytesDeleted);
    report.orphans = { filesDeleted: result.filesDeleted, bytesDeleted: result.bytesDeleted, filesTooYoung: result.filesTooYoung, expiredBefore: result.expiredBefore };
  } catch (error) {
    const failure = toFloodgateError(error);
    report.orphanSweepError = { code: failure.code, message: failure.message };
    deps.logger.warn({ err: failure.message, code: failure.code }, 'removing orphan files failed; the next sweep tries again');
  }
}

/**
 * Every publish appends a file to each audit-history table, and checks that read history
 * (`not_already_loaded`, `volume_change`) scan them all: past the threshold, rewrite them on
 * main. A publish appending meanwhile keeps its rows: the replace is made again on top. A failure
 * is logged, never the janitor's.
 */
async function compactHistory(deps: FleetDeps, options: JanitorOptions, report: JanitorReport): Promise<void> {
  const compact = deps.lakehouse.compactTable?.bind(deps.lakehouse);
  if (compact === undefined || options.historyCompactFiles === 0) return;
  await eachHistoryTable(deps, 'compacting', async (table) => {
    const result = await compact(table, { branch: options.mainBranch, minFiles: options.historyCompactFiles, message: `janitor: compact ${table}` });
    if (result.outcome !== 'compacted') return;
    deps.metrics.tableCompacted(table, 'janitor', result.filesRewritten);
    report.compactedTables.push({ table, filesBefore: result.filesBefore, filesAfter: result.filesAfter });
  });
}

/**
 * Housekeeping on each audit-history table in turn. No history yet is normal; any other failure
 * is logged (`<doing> the audit history failed`) and retried by the next pass, never the janitor's.
 */
async function eachHistoryTable(deps: FleetDeps, doing: string, fn: (table: string) => Promise<void>): Promise<void> {
  for (const table of [AUDIT_RESULTS_TABLE, LOADED_FILES_TABLE]) {
    try {
      await fn(table);
    } catch (error) {
      if (!(error instanceof TableNotFoundError)) deps.logger.warn({ table, err: String(error) }, `${doing} the audit history failed; the next janitor pass tries again`);
    }
  }
}

/** How long the janitor's lease lasts without renewal: a process killed mid-pass blocks others this long at most. */
export const JANITOR_LEASE_MS = 15_000;

const renewLease = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);
const releaseLease = new LuaScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/**
 * Runs the janitor in at most one process at a time: a short Redis lease with a token of its
 * own, renewed while the pass runs (a long compaction, say) and released only if still ours.
 */
export async function runJanitorOnce(deps: FleetDeps, redis: Redis, keys: Keys, options: JanitorOptions): Promise<JanitorReport | undefined> {
  const lockKey = `${keys.prefix}:janitor`;
  const token = `${process.pid}:${randomUUID()}`;
  if ((await redis.set(lockKey, token, 'PX', JANITOR_LEASE_MS, 'NX')) !== 'OK') return undefined;
  const renew = setInterval(() => {
    renewLease.run(redis, [lockKey], [token, JANITOR_LEASE_MS]).catch(() => undefined);
  }, JANITOR_LEASE_MS / 3);
  try {
    return await runJanitor(deps, redis, keys, options);
  } finally {
    clearInterval(renew);
    await releaseLease.run(redis, [lockKey], [token]).catch(() => undefined);
  }
}
