import { DelayedError } from 'bullmq';
import { FloodgateError } from '../../shared/errors/index.js';
import { stageJobId } from '../../shared/jobs/index.js';
import type { RunChange, RunRecord, RunStatus, Stage } from '../../shared/ledger/index.js';
import type { Lease } from '../../shared/locks/index.js';
import type { FleetDeps, StageJob, StageOutcome } from './context.js';

export class LeaseLostError extends FloodgateError {
  constructor(table: string, runId: string, why = 'another run, or a later delivery of this one, owns it now') {
    super('LEASE_LOST', `run ${runId} lost its lock on ${table}: ${why}`, { retryable: true });
  }
}

export interface StageStartSpec {
  readonly stage: Stage;
  /** The statuses this stage starts from. */
  readonly allowed: readonly RunStatus[];
  /** Applied in the same step as the lease is taken (status, attempt count, fields). */
  readonly change: RunChange;
  /** What to do when the run is in another status (finished, or already past this stage). */
  readonly otherwise: (record: RunRecord) => Promise<StageOutcome>;
}

/**
 * Starts a stage and runs `fn` while holding the run's table lease, renewing it as it goes; the
 * signal given to `fn` aborts when the lease is lost. Starting is one Redis round trip (status
 * check, lease, status change). When another run holds the table, the job is parked (moved to
 * delayed without using an attempt) until the holder's end wakes it.
 */
export async function runStage(
  deps: FleetDeps,
  job: StageJob,
  token: string | undefined,
  outer: AbortSignal | undefined,
  spec: StageStartSpec,
  fn: (lease: Lease, record: RunRecord, signal: AbortSignal) => Promise<StageOutcome>,
): Promise<StageOutcome> {
  const { runId, table } = job.data;
  const { stage } = spec;
  const started = Date.now();
  const start = await deps.runs.begin(runId, table, spec.allowed, spec.change);
  if (start.kind === 'unknown') return 'skipped';
  if (start.kind === 'other') return spec.otherwise(start.record);
  if (start.kind === 'busy') return park(deps, job, token, stage, start.blockedBy);
  deps.metrics.lockWait((Date.now() - started) / 1000);
  deps.events.emit({ event: 'wap.stage.started', runId, table, payload: { stage, attempt: job.attemptsMade + 1 } });
  const controller = new AbortController();
  // BullMQ cancels a job whose lock it lost (the job is re-delivered elsewhere) or that a shutdown
  // cut off: this worker no longer owns it, so the stage stops without ending the run.
  const onOuterAbort = () =>
    controller.abort(outer?.reason instanceof FloodgateError ? outer.reason : new LeaseLostError(table, runId, `this worker handed the job back (${String(outer?.reason ?? 'cancelled')})`));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const renew = setInterval(() => {
    deps.locks.renew(start.lease).then(
      (held) => {
        if (!held) controller.abort(new LeaseLostError(table, runId));
      },
      (error: unknown) => deps.logger.warn({ runId, table, err: String(error) }, 'lease renewal failed; will retry'),
    );
  }, Math.max(200, Math.floor(deps.locks.ttlMs / 3)));
  try {
    return await fn(start.lease, start.record, controller.signal);
  } finally {
    clearInterval(renew);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/** Parks the job until the table's holder ends (its end wakes parked runs) or `parkMs` passes. */
async function park(deps: FleetDeps, job: StageJob, token: string | undefined, stage: Stage, blockedBy: string): Promise<never> {
  const { runId, table } = job.data;
  deps.metrics.lockParked(stage);
  deps.logger.debug({ runId, table, stage, blockedBy }, 'table busy: parking the job');
  await job.moveToDelayed(Date.now() + deps.options.parkMs, token);
  // The table may have been released between our attempt and the park, when a wake-up could
  // not reach this (then still active) job: look once more, and wake ourselves if it is free.
  const [head] = await deps.locks.line(table);
  if ((await deps.locks.holder(table)) === undefined && (head === undefined || head === runId)) {
    await job.promote().catch(() => undefined);
  }
  throw new DelayedError(`table ${table} is busy with run ${blockedBy}`);
}

/**
 * Hands a table to the run now first in its line: adds that run's write job (only the first run
 * of a table has one), or wakes its job if it was parked on the busy table. Adding is idempotent
 * (the job id is the run id) and promote() fails harmlessly for a job that is not delayed.
 */
export async function wakeNext(deps: FleetDeps, table: string, next: { runId: string; parked: boolean } | undefined): Promise<void> {
  if (next === undefined) return;
  if (!next.parked) {
    await deps.queues.write.add('write', { runId: next.runId, table }, { jobId: stageJobId(next.runId) });
    return;
  }
  for (const queue of [deps.queues.write, deps.queues.audit, deps.queues.publish]) {
    const job = await queue.getJob(next.runId).catch(() => undefined);
    if (job === undefined) continue;
    await job.promote().catch(() => undefined);
    return;
  }
}
