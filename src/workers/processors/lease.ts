import { DelayedError } from 'bullmq';
import { FloodgateError } from '../../shared/errors/index.js';
import type { Lease } from '../../shared/locks/index.js';
import type { FleetDeps, StageJob } from './context.js';

export class LeaseLostError extends FloodgateError {
  constructor(table: string, runId: string) {
    super('LEASE_LOST', `run ${runId} lost its lock on ${table}; another run owns it now`, { retryable: true });
  }
}

/**
 * Runs `fn` while holding the run's table lease, renewing it as it goes; the signal given to
 * `fn` aborts when the lease is lost. When another run holds the table, the job is parked
 * (moved to delayed without using an attempt) and `parked` is returned via DelayedError.
 */
export async function withLease<T>(
  deps: FleetDeps,
  job: StageJob,
  token: string | undefined,
  stage: string,
  outer: AbortSignal | undefined,
  fn: (lease: Lease, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { runId, table } = job.data;
  const started = Date.now();
  const taken = await deps.locks.acquire(table, runId);
  if (!taken.acquired) {
    deps.metrics.lockParked(stage);
    deps.logger.debug({ runId, table, stage, blockedBy: taken.blockedBy }, 'table busy: parking the job');
    await job.moveToDelayed(Date.now() + deps.options.parkMs, token);
    // The table may have been released between our attempt and the park, when a wake-up could
    // not reach this (then still active) job: look once more, and wake ourselves if it is free.
    const [head] = await deps.locks.line(table);
    if ((await deps.locks.holder(table)) === undefined && (head === undefined || head === runId)) {
      await job.promote().catch(() => undefined);
    }
    throw new DelayedError(`table ${table} is busy with run ${taken.blockedBy}`);
  }
  deps.metrics.lockWait((Date.now() - started) / 1000);
  deps.events.emit({ event: 'wap.stage.started', runId, table, payload: { stage, attempt: job.attemptsMade + 1 } });
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const renew = setInterval(() => {
    deps.locks.renew(taken.lease).then(
      (held) => {
        if (!held) controller.abort(new LeaseLostError(table, runId));
      },
      (error: unknown) => deps.logger.warn({ runId, table, err: String(error) }, 'lease renewal failed; will retry'),
    );
  }, Math.max(200, Math.floor(deps.locks.ttlMs / 3)));
  try {
    return await fn(taken.lease, controller.signal);
  } finally {
    clearInterval(renew);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * Wakes the run now first in a table's line, if its job is parked. A run waits for its table
 * before its first stage, so its job is in the write queue (the others are checked after).
 * promote() fails harmlessly for a job that is not delayed.
 */
export async function wakeNext(deps: FleetDeps, nextRunId: string | undefined): Promise<void> {
  if (nextRunId === undefined) return;
  for (const queue of [deps.queues.write, deps.queues.audit, deps.queues.publish]) {
    const job = await queue.getJob(nextRunId).catch(() => undefined);
    if (job === undefined) continue;
    await job.promote().catch(() => undefined);
    return;
  }
}
