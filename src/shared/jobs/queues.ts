import type { Stage } from '../ledger/index.js';

/** One BullMQ queue per stage; every job carries only the run id (the ledger holds the rest). */
export const QUEUE_NAMES: Readonly<Record<Stage, string>> = Object.freeze({
  write: 'wap-write',
  audit: 'wap-audit',
  publish: 'wap-publish',
});

export const STAGES: readonly Stage[] = ['write', 'audit', 'publish'];

export interface StageJobData {
  readonly runId: string;
  readonly table: string;
}

/** The job id of a run's job in a stage's queue (unique per queue, so duplicates are dropped). */
export function stageJobId(runId: string): string {
  return runId;
}

export interface StageJobPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly retentionSeconds: number;
}

/** Every stage job's options, the same whether a producer or a worker adds it. */
export function stageJobOptions(policy: StageJobPolicy) {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs, jitter: 0.5 },
    // Finished jobs stay as long as the ledger keeps runs, so a duplicate jobId is still dropped.
    removeOnComplete: { age: policy.retentionSeconds },
    removeOnFail: { age: policy.retentionSeconds },
  } as const;
}
