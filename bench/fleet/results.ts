/** Everything the fleet suite measured; written as bench/results/fleet.raw.json. */

export interface Environment {
  readonly date: string;
  readonly command: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly redis: string;
  readonly bullmq: string;
  readonly duckdbThreads: number;
  readonly quick: boolean;
  readonly cpuPressureStart?: number;
  readonly cpuPressureEnd?: number;
  readonly durationMs?: number;
}

export type OverheadSide = 'ours' | 'bare';
/** `backlog`: runs enqueued with the first queue paused, clock from resume. `live`: clock from the first enqueue. */
export type OverheadMode = 'backlog' | 'live';

export interface OverheadTrial {
  readonly side: OverheadSide;
  readonly mode: OverheadMode;
  readonly runs: number;
  /** Clock start (resume, or first enqueue) to the last run out of the publish stage. */
  readonly ms: number;
  /** Time the sequential enqueue loop took (`live` only; part of `ms`). */
  readonly enqueueMs: number;
  /** Jobs parked because their table was busy (ours only). */
  readonly parked: number;
}

/** An untimed trial with every client command counted. */
export interface OverheadDiagnostic {
  readonly side: OverheadSide;
  readonly mode: OverheadMode;
  readonly runs: number;
  readonly parked: number;
  /** Commands sent by all ioredis clients of this process (producer, workers, queues), per run. */
  readonly commandsPerRun: number;
  /** Argument bytes of those commands, per run. */
  readonly argBytesPerRun: number;
  readonly byCommand: Readonly<Record<string, number>>;
  /** Redis server CPU in commands per run (µs, Lua scripts' inner calls included). */
  readonly serverMicrosPerRun: number;
  /** Node CPU (user + system) of this process per run (ms), fleet start-up and enqueueing included. */
  readonly nodeCpuMsPerRun: number;
}

export interface OverheadResults {
  readonly runs: number;
  readonly tables: number;
  readonly concurrency: number;
  readonly trials: readonly OverheadTrial[];
  readonly diagnostics: readonly OverheadDiagnostic[];
}

/** The ledger's statuses of a published run, in order. */
export const STAGE_STATUSES = ['queued', 'writing', 'written', 'auditing', 'audited', 'publishing', 'published'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface LatencyRun {
  /** enqueue() called → ledger `published`. */
  readonly totalMs: number;
  /** enqueue() called → ledger `queued` (source listing, fingerprinting). */
  readonly enqueueMs: number;
  /** Milliseconds from each status to the next (`queued→writing`, ...). */
  readonly transitions: Readonly<Record<string, number>>;
  /** Lakehouse time inside each transition. */
  readonly lakehouseByTransition: Readonly<Record<string, number>>;
  readonly lakehouseMs: number;
  readonly outsideMs: number;
  /** Lakehouse milliseconds by method. */
  readonly byMethod: Readonly<Record<string, number>>;
}

export interface LatencyResults {
  readonly rows: number;
  readonly sourceBytes: number;
  readonly runs: readonly LatencyRun[];
}

export interface ScalingTrial {
  readonly processes: number;
  readonly runs: number;
  /** First enqueue → last run finished (ledger finishedAt). */
  readonly ms: number;
  readonly published: number;
  /** Worker start-up (spawn → every worker ready), not part of `ms`. */
  readonly startupMs: number;
  /** CPU the worker processes used during the timed batch, in cores (CPU ms / wall ms). */
  readonly workerCores: number;
  /** Share of the whole machine's CPU time that was busy meanwhile (all tenants; /proc/stat). */
  readonly machineBusy: number;
}

export interface ScalingResults {
  readonly tables: number;
  readonly rowsPerRun: number;
  readonly sourceBytes: number;
  readonly concurrency: number;
  readonly trials: readonly ScalingTrial[];
}

export interface FleetResults {
  readonly environment: Environment;
  overhead?: OverheadResults;
  latency?: LatencyResults;
  scaling?: ScalingResults;
}
