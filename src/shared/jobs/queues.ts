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
