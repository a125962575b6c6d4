import crypto from 'node:crypto';
import { JOB_FAILURE_CODE, JOB_STATE } from '../../../../src/shared/lakehouse/bauplan/proto/commander.js';

/** JobInfo.kind_type per job RPC (Bauplan's JobKind enum). */
export const JOB_KIND = { QueryRun: 2, TableCreatePlan: 5, TableCreatePlanApply: 6, TableDataImport: 7 } as const;
export type JobRpc = keyof typeof JOB_KIND;

/** One member of the RunnerEvent oneof, e.g. `{ flight_server_start: {...} }`. */
export type RunnerEvent = Readonly<Record<string, unknown>>;

/** A SubscribeLogsResponse. */
export interface JobLogMessage {
  readonly job_id: string;
  readonly runner_event: RunnerEvent;
}

export interface FakeJob {
  readonly id: string;
  readonly rpc: JobRpc;
  readonly user: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  /** JOB_STATE: 2 running (also while held), 3 complete, 4 abort (cancelled), 5 fail. */
  status: number;
  errorMessage?: string;
  /** Every event so far, the job_completion last once the job is done. */
  readonly events: JobLogMessage[];
}

export type JobOutcome = { readonly success: string } | { readonly failure: string };

export interface JobScope {
  readonly job: FakeJob;
  /** Aborted when the job is cancelled or the fake closes. */
  readonly signal: AbortSignal;
  emit(event: RunnerEvent): void;
  log(message: string): void;
}

export type JobHandler = (scope: JobScope) => Promise<JobOutcome>;

export interface JobRunner {
  readonly jobs: Map<string, FakeJob>;
  readonly submissions: Record<string, number>;
  submit(rpc: JobRpc, request: Readonly<Record<string, unknown>>, handler: JobHandler): FakeJob;
  /** Holds newly started jobs (only those of the given RPCs, when named) until released. */
  hold(hold: boolean, rpcs?: readonly string[]): void;
  /** `cancelled`, or why not. */
  cancel(id: string): 'cancelled' | 'finished' | 'unknown';
  /** Replays the job's events to `listener`, then forwards new ones; undefined for an unknown job. */
  subscribe(id: string, listener: (message: JobLogMessage) => void): (() => void) | undefined;
  close(): Promise<void>;
}

interface Entry {
  readonly job: FakeJob;
  readonly controller: AbortController;
  readonly listeners: Set<(message: JobLogMessage) => void>;
  finished: boolean;
}

/** Jobs run in the background after a delay, unless held; their events are kept for SubscribeLogs. */
export function createJobRunner(options: { username: string; delayMs: number }): JobRunner {
  const entries = new Map<string, Entry>();
  const jobs = new Map<string, FakeJob>();
  const submissions: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let held: Array<() => void> | undefined;
  let heldRpcs: ReadonlySet<string> | undefined;
  let closed = false;

  function push(entry: Entry, event: RunnerEvent): void {
    const message: JobLogMessage = { job_id: entry.job.id, runner_event: event };
    entry.job.events.push(message);
    for (const listener of [...entry.listeners]) listener(message);
  }

  function finish(entry: Entry, outcome: JobOutcome | { cancelled: string }): void {
    if (entry.finished) return;
    entry.finished = true;
    const { job } = entry;
    let completion: Record<string, unknown>;
    if ('success' in outcome) {
      job.status = JOB_STATE.complete;
      completion = { success: { msg: outcome.success } };
    } else if ('failure' in outcome) {
      job.status = JOB_STATE.fail;
      job.errorMessage = outcome.failure;
      completion = { failure: { component: 0, error_message: outcome.failure, error_code: JOB_FAILURE_CODE.userError } };
    } else {
      job.status = JOB_STATE.abort;
      job.errorMessage = outcome.cancelled;
      completion = { cancellation: { reason: outcome.cancelled } };
    }
    push(entry, { job_completion: { job_id: job.id, ...completion } });
    entry.listeners.clear();
  }

  function start(entry: Entry, handler: JobHandler): void {
    if (entry.finished || closed) return;
    const scope: JobScope = {
      job: entry.job,
      signal: entry.controller.signal,
      emit: (event) => {
        if (!entry.finished) push(entry, event);
      },
      log: (msg) => scope.emit({ runtime_user_log: { level: 2, msg, job_id: entry.job.id, emit_timestamp_ns: `${Date.now()}000000` } }),
    };
    scope.log(`${entry.job.rpc} started`);
    const run = handler(scope)
      .catch((error: unknown): JobOutcome => ({ failure: error instanceof Error ? error.message : String(error) }))
      .then((outcome) => finish(entry, outcome));
    running.add(run);
    void run.finally(() => running.delete(run));
  }

  return {
    jobs,
    submissions,
    submit(rpc, request, handler) {
      const job: FakeJob = {
        id: crypto.randomUUID(),
        rpc,
        user: options.username,
        request,
        createdAt: new Date(),
        status: JOB_STATE.running,
        events: [],
      };
      const entry: Entry = { job, controller: new AbortController(), listeners: new Set(), finished: false };
      entries.set(job.id, entry);
      jobs.set(job.id, job);
      submissions[rpc] = (submissions[rpc] ?? 0) + 1;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (held !== undefined && (heldRpcs === undefined || heldRpcs.has(rpc))) held.push(() => start(entry, handler));
        else start(entry, handler);
      }, options.delayMs);
      timers.add(timer);
      return job;
    },
    hold(hold, rpcs) {
      if (hold) {
        held ??= [];
        heldRpcs = rpcs === undefined ? undefined : new Set(rpcs);
        return;
      }
      heldRpcs = undefined;
      const waiting = held ?? [];
      held = undefined;
      for (const run of waiting) run();
    },
    cancel(id) {
      const entry = entries.get(id);
      if (entry === undefined) return 'unknown';
      if (entry.finished) return 'finished';
      entry.controller.abort(new Error('job cancelled'));
      finish(entry, { cancelled: 'cancelled by the user' });
      return 'cancelled';
    },
    subscribe(id, listener) {
      const entry = entries.get(id);
      if (entry === undefined) return undefined;
      for (const message of [...entry.job.events]) listener(message);
      if (entry.finished) return () => {};
      entry.listeners.add(listener);
      return () => entry.listeners.delete(listener);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      held = undefined;
      for (const entry of entries.values()) entry.controller.abort(new Error('fake Bauplan is closing'));
      await Promise.allSettled([...running]);
      for (const entry of entries.values()) finish(entry, { failure: 'fake Bauplan closed' });
    },
  };
}
