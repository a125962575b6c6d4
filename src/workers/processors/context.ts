import type { Contracts } from '../../shared/audits/index.js';
import type { StageJobData } from '../../shared/jobs/index.js';
import type { Lakehouse } from '../../shared/lakehouse/lakehouse.js';
import type { Ledger, Stage } from '../../shared/ledger/index.js';
import type { TableLocks } from '../../shared/locks/index.js';
import type { RunFlow } from '../../shared/runs/index.js';
import type { EventSink, Logger, Metrics } from '../../shared/observability/ports.js';

/** The part of a BullMQ job a processor uses (tests pass a fake). */
export interface StageJob {
  readonly id?: string | undefined;
  readonly data: StageJobData;
  readonly attemptsMade: number;
  readonly opts: { readonly attempts?: number | undefined };
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
  promote(): Promise<void>;
}

/** The part of a BullMQ queue the fleet uses. */
export interface StageQueue {
  add(name: string, data: StageJobData, options: { jobId: string }): Promise<unknown>;
  getJob(id: string): Promise<{ getState(): Promise<string>; promote(): Promise<void> } | undefined>;
}

export interface FleetOptions {
  /** How long a parked job sleeps before it looks again if no release wakes it. */
  readonly parkMs: number;
  /** Where `main` is published (the target of every merge). */
  readonly mainBranch: string;
  /** After a publish, the table's data files smaller than `smallerThanBytes` are compacted once there are `files` of them (0: never). */
  readonly compact: { readonly files: number; readonly smallerThanBytes: number };
  /** After a publish, the table's snapshots on main older than this are expired, a batch at a time (null or absent: never). */
  readonly snapshotRetentionMs?: number | null;
}

/** Snapshots are expired once at least this many are old enough: one trim commit per batch, not per publish. */
export const EXPIRE_BATCH = 16;

export interface FleetDeps {
  readonly lakehouse: Lakehouse;
  readonly ledger: Ledger;
  readonly locks: TableLocks;
  /** The ledger and the locks moved together, one round trip per step of a run. */
  readonly runs: RunFlow;
  readonly queues: Readonly<Record<Stage, StageQueue>>;
  readonly contracts: Contracts;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly events: EventSink;
  readonly options: FleetOptions;
}

/** What a stage processor returns to BullMQ. */
export type StageOutcome = 'done' | 'parked' | 'skipped';

export type StageProcessor = (job: StageJob, token?: string, signal?: AbortSignal) => Promise<StageOutcome>;
