import type { Lease } from '../../shared/locks/index.js';
import { EXPIRE_BATCH, type FleetDeps } from './context.js';
import { LeaseLostError } from './lease.js';

/** A fencing check for housekeeping commits: they go in only while the run still holds its table. */
function fence(deps: FleetDeps, lease: Lease): () => Promise<void> {
  return async () => {
    if (!(await deps.locks.holds(lease))) throw new LeaseLostError(lease.table, lease.runId);
  };
}

/** Once the table has enough small data files (one per run, for runs of small batches), rewrite them on main. */
async function compactIfDue(deps: FleetDeps, lease: Lease, signal: AbortSignal): Promise<void> {
  const { files, smallerThanBytes } = deps.options.compact;
  const compact = deps.lakehouse.compactTable?.bind(deps.lakehouse);
  if (files === 0 || compact === undefined) return;
  const { table, runId } = lease;
  try {
    const result = await compact(table, {
      branch: deps.options.mainBranch,
      minFiles: files,
      smallerThanBytes,
      signal,
      message: `compact ${table} after floodgate run ${runId}`,
      beforeCommit: fence(deps, lease),
    });
    if (result.outcome === 'compacted') {
      deps.metrics.tableCompacted(table, 'publish', result.filesRewritten);
      deps.logger.info({ runId, table, filesRewritten: result.filesRewritten, filesAfter: result.filesAfter, commit: result.commit }, 'table compacted');
    }
  } catch (error) {
    deps.logger.warn({ runId, table, err: String(error) }, 'compaction after publish failed; the run is published, the next publish tries again');
  }
}

/**
 * Once EXPIRE_BATCH of the table's snapshots on main are older than the retention window, drop
 * them from its version, so table versions stop growing with every run and their files can be
 * removed by the janitor's orphan sweep.
 */
async function expireIfDue(deps: FleetDeps, lease: Lease): Promise<void> {
  const retention = deps.options.snapshotRetentionMs;
  const expire = deps.lakehouse.expireSnapshots?.bind(deps.lakehouse);
  if (retention === undefined || retention === null || expire === undefined) return;
  const { table, runId } = lease;
  try {
    const result = await expire(table, {
      branch: deps.options.mainBranch,
      olderThanMs: retention,
      minSnapshots: EXPIRE_BATCH,
      message: `expire old snapshots of ${table} after floodgate run ${runId}`,
      beforeCommit: fence(deps, lease),
    });
    if (result.outcome === 'expired') {
      deps.metrics.snapshotsExpired(table, 'publish', result.snapshotsBefore - result.snapshotsAfter);
      deps.logger.info({ runId, table, snapshotsBefore: result.snapshotsBefore, snapshotsAfter: result.snapshotsAfter, commit: result.commit }, 'old snapshots expired');
    }
  } catch (error) {
    deps.logger.warn({ runId, table, err: String(error) }, 'expiring old snapshots after publish failed; the run is published, the next publish tries again');
  }
}

/**
 * Housekeeping while the run still holds its table, so no other run of the table has a branch
 * these commits could conflict with. The run is published already; a failure here is logged,
 * never the run's.
 */
export async function tidyTable(deps: FleetDeps, lease: Lease, signal: AbortSignal): Promise<void> {
  await compactIfDue(deps, lease, signal);
  if (!signal.aborted) await expireIfDue(deps, lease);
}
