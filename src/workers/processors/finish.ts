import { UnrecoverableError } from 'bullmq';
import { toFloodgateError, type FloodgateError } from '../../shared/errors/index.js';
import type { RunPatch, RunRecord, RunStatus, Stage } from '../../shared/ledger/index.js';
import type { RunOutcome } from '../../shared/observability/ports.js';
import type { FleetDeps, StageJob } from './context.js';
import { LeaseLostError, wakeNext } from './lease.js';
import type { Lease } from '../../shared/locks/index.js';

const EVENT_OF: Record<RunOutcome, string> = {
  published: 'wap.run.published',
  audit_failed: 'wap.run.audit.failed',
  rejected: 'wap.run.rejected',
  failed: 'wap.run.rejected',
};

/** What ending a run needs to know about it. */
export interface EndingRun {
  readonly runId: string;
  readonly table: string;
  readonly branch?: string | undefined;
}

/**
 * Ends a run: keeps or deletes its branch, then records the outcome and releases its table lock
 * in one step, and wakes the next run of the table if its job is parked. Every failure path goes
 * through here, so no lock is left held.
 */
export async function finishRun(
  deps: FleetDeps,
  run: EndingRun,
  outcome: RunOutcome & RunStatus,
  options: { keepBranch: boolean; error?: FloodgateError; stage?: Stage; note?: string; patch?: RunPatch },
): Promise<RunRecord | undefined> {
  const { runId, table } = run;
  if (!options.keepBranch && run.branch !== undefined) {
    await deps.lakehouse.deleteBranch(run.branch, { ifExists: true });
  }
  const ended = await deps.runs.end(runId, table, {
    status: outcome,
    ...(options.note === undefined ? {} : { note: options.note }),
    patch: {
      ...options.patch,
      ...(options.error === undefined
        ? {}
        : {
            error: {
              code: options.error.code,
              message: options.error.message,
              retryable: options.error.retryable,
              ...(options.stage === undefined ? {} : { stage: options.stage }),
            },
          }),
    },
  });
  await wakeNext(deps, table, ended.next);
  const finished = ended.record;
  deps.metrics.runFinished(table, outcome);
  deps.events.emit({
    event: EVENT_OF[outcome],
    runId,
    table,
    payload: {
      status: outcome,
      branch: finished?.branch ?? null,
      commit: finished?.publishedCommit ?? finished?.writeCommit ?? null,
      rows: finished?.rows ?? 0,
      ...(options.error === undefined ? {} : { error: options.error.toJSON() }),
    },
  });
  deps.logger.info({ runId, table, status: outcome, ...(options.error === undefined ? {} : { code: options.error.code, error: options.error.message }) }, `run ${outcome}`);
  return finished;
}

/**
 * A stage's error edge: a permanent error, or a transient one on the last attempt, ends the
 * run (through finishRun) and becomes BullMQ's UnrecoverableError so the job is not retried;
 * any other transient error is rethrown for BullMQ to retry with backoff. A lost lease never
 * ends the run.
 */
export async function failStage(
  deps: FleetDeps,
  job: StageJob,
  run: EndingRun,
  error: unknown,
  options: { stage: Stage; keepBranch: boolean; permanentOutcome: 'rejected' | 'failed'; lease: Lease },
): Promise<never> {
  const failure = toFloodgateError(error);
  // A stage that lost its lease (to a later delivery of the run, or because BullMQ handed the job
  // back) has no say over the run any more: whoever owns it now ends it.
  if (failure.code === 'LEASE_LOST') throw failure;
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (failure.retryable && !lastAttempt) throw failure;
  if (!(await deps.locks.holds(options.lease))) throw new LeaseLostError(run.table, run.runId);
  const outcome = failure.retryable ? 'failed' : options.permanentOutcome;
  await finishRun(deps, run, outcome, { keepBranch: options.keepBranch, error: failure, stage: options.stage });
  throw new UnrecoverableError(failure.message);
}

/**
 * For a re-delivered job of a run that already finished: a crash may have come between the
 * ledger's final update and the lock release, so release (idempotently) and wake the next run.
 */
export async function settleFinished(deps: FleetDeps, record: RunRecord): Promise<'skipped'> {
  await wakeNext(deps, record.table, (await deps.runs.end(record.runId, record.table)).next);
  return 'skipped';
}
