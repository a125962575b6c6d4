import { historyOfRun, recordAuditHistory, summarizeForCommit, type AuditReport } from '../../shared/audits/index.js';
import { MergeConflictError, RefChangedError } from '../../shared/lakehouse/errors.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../shared/ledger/index.js';
import type { FleetDeps, StageJob, StageOutcome } from './context.js';
import { tidyTable } from './housekeeping.js';
import { LeaseLostError, runStage } from './lease.js';
import { failStage, finishRun, settleFinished } from './finish.js';

/** main's commit that published this run, if an earlier attempt got that far. */
async function publishedCommit(deps: FleetDeps, runId: string): Promise<string | undefined> {
  const recent = await deps.lakehouse.log(deps.options.mainBranch, { limit: 500 });
  return recent.find((commit) => commit.properties['floodgate.run-id'] === runId && commit.properties['floodgate.operation'] !== 'import')?.id;
}

/**
 * Merges exactly the audited commit into main. First as a fast-forward guarded by
 * `expectedHead` = the base the branch was made from. If main has moved since (other tables
 * were published meanwhile), the catalog merges atomically on top, and refuses with
 * MergeConflictError if this run's table changed on main since the base; the table lock
 * means that never happens unless something outside the fleet wrote the table. A compaction
 * or snapshot expiry of the table meanwhile (`floodgate lake compact|expire`) changes no row:
 * the local lakehouse rebases the run's load onto it, so the published rows are the audited ones.
 */
async function mergeAudited(deps: FleetDeps, record: RunRecord, properties: Record<string, string>): Promise<string> {
  // The audited commit itself: it outlives the branch, so a re-delivered publish can still name it.
  const source = `@${record.writeCommit ?? ''}`;
  const options = { into: deps.options.mainBranch, message: `publish ${record.table} (floodgate run ${record.runId})`, properties };
  try {
    return (await deps.lakehouse.merge(source, { ...options, expectedHead: record.baseCommit ?? '' })).commit;
  } catch (error) {
    if (!(error instanceof RefChangedError)) throw error;
  }
  try {
    const merged = await deps.lakehouse.merge(source, options);
    if (merged.rebased !== undefined) {
      deps.logger.info({ runId: record.runId, table: record.table, rebased: merged.rebased }, 'main was compacted or trimmed meanwhile; the run was rebased onto it');
    }
    return merged.commit;
  } catch (error) {
    if (error instanceof MergeConflictError) deps.metrics.publishConflict(record.table);
    throw error;
  }
}

/**
 * Publish: with the lease still ours (fencing), merge the audited commit into main atomically,
 * record the audit history, delete the branch and release the table. A re-delivered publish
 * finds main already holding the run's commit (by `floodgate.run-id`) and the run's history
 * rows (by `run_id`), and adds only what is missing before it finishes.
 */
export function publishProcessor(deps: FleetDeps) {
  return async (job: StageJob, token?: string, signal?: AbortSignal): Promise<StageOutcome> => {
    const { runId, table } = job.data;
    return runStage(
      deps,
      job,
      token,
      signal,
      {
        stage: 'publish',
        allowed: ['audited', 'publishing'],
        change: { status: 'publishing', attempt: 'publish' },
        otherwise: async (record) => (TERMINAL_STATUSES.has(record.status) ? settleFinished(deps, record) : 'skipped'),
      },
      async (lease, record, leaseSignal) => {
        try {
          const report = record.report as unknown as AuditReport;
          // A first attempt cannot find its own traces on main; only a re-delivered publish looks.
          const redelivered = (record.attempts.publish ?? 1) > 1;
          let commit = record.publishedCommit ?? (redelivered ? await publishedCommit(deps, runId) : undefined);
          if (commit === undefined) {
            if (!(await deps.locks.holds(lease))) throw new LeaseLostError(table, runId);
            commit = await mergeAudited(deps, record, { 'floodgate.run-id': runId, ...summarizeForCommit(report) });
          }
          // Before the run ends and its table is handed on, so the next run's audit sees this load;
          // only by the delivery that holds the run's current lease, so it is written once.
          if (!(await deps.locks.holds(lease))) throw new LeaseLostError(table, runId);
          const main = deps.options.mainBranch;
          const skip = redelivered ? await historyOfRun(deps.lakehouse, runId, main) : undefined;
          await recordAuditHistory({ lakehouse: deps.lakehouse, report, branch: main, runId, published: true, ...(skip === undefined ? {} : { skip }) });
          await tidyTable(deps, lease, leaseSignal);
          await finishRun(deps, record, 'published', { keepBranch: false, patch: { publishedCommit: commit } });
          return 'done';
        } catch (error) {
          return failStage(deps, job, record, error, { stage: 'publish', keepBranch: true, permanentOutcome: 'failed', lease });
        }
      },
    );
  };
}
