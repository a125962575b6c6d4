/**
 * Observability as ports: the fleet talks to these small interfaces; pino, prom-client and
 * Prefect are wired in at the entry points, and tests use the no-op versions.
 */

export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type RunOutcome = 'published' | 'audit_failed' | 'rejected' | 'failed';

export interface Metrics {
  runFinished(table: string, outcome: RunOutcome): void;
  stageFinished(stage: string, outcome: 'ok' | 'error' | 'parked', seconds: number): void;
  rowsIngested(table: string, rows: number, bytes: number): void;
  lockParked(stage: string): void;
  lockWait(seconds: number): void;
  publishConflict(table: string): void;
}

/** A fleet event about a run, e.g. `wap.run.published`. */
export interface RunEvent {
  readonly event: string;
  readonly runId: string;
  readonly table: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface EventSink {
  /** Never throws and never blocks the run: implementations buffer and retry on their own. */
  emit(event: RunEvent): void;
}

export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => noopLogger,
};

export const noopMetrics: Metrics = {
  runFinished: () => {},
  stageFinished: () => {},
  rowsIngested: () => {},
  lockParked: () => {},
  lockWait: () => {},
  publishConflict: () => {},
};

export const noopEvents: EventSink = { emit: () => {} };
