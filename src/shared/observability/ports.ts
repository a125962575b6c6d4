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
  /** A stage took a job of this table: its per-table series start at 0 (once per process), so rate() and increase() see its first event. */
  tableSeen(table: string): void;
  runFinished(table: string, outcome: RunOutcome): void;
  stageFinished(stage: string, outcome: 'ok' | 'error' | 'parked', seconds: number): void;
  rowsIngested(table: string, rows: number, bytes: number): void;
  /** One audit check's result (status: passed, failed, warned, error). */
  checkResult(checkType: string, status: string): void;
  lockParked(stage: string): void;
  lockWait(seconds: number): void;
  publishConflict(table: string): void;
  /** A table rewritten into fewer data files, by the publish stage (`publish`) or the janitor (`janitor`). */
  tableCompacted(table: string, by: 'publish' | 'janitor', filesRewritten: number): void;
  /** Snapshots dropped from a table's version on main, by the publish stage or the janitor. */
  snapshotsExpired(table: string, by: 'publish' | 'janitor', count: number): void;
  /** Unreferenced warehouse files the janitor deleted. */
  orphansRemoved(files: number, bytes: number): void;
  /** Prefect deliveries: `sent`, `retried`, `failed` (gave up) or `dropped` (buffer full). */
  prefectDelivery(outcome: 'sent' | 'retried' | 'failed' | 'dropped', count?: number): void;
}

/**
 * A fleet event about a run. `wap.run.enqueued|written|audit.passed|audit.failed|published|rejected`
 * are the public events; `wap.stage.started` (payload `{stage}`) marks a stage taking the run, for
 * sinks that track stages (Prefect task runs). Audit events carry the report in `report`.
 */
export interface RunEvent {
  readonly event: string;
  readonly runId: string;
  readonly table: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** ISO-8601; the sink's clock when absent. */
  readonly occurred?: string;
}

export interface EventSink {
  /** Never throws and never blocks the run: implementations buffer and retry on their own. */
  emit(event: RunEvent): void;
  /** Delivers what is buffered, waiting at most `timeoutMs`; for shutdown. */
  flush?(timeoutMs: number): Promise<void>;
}

export const noopLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => noopLogger,
};

export const noopMetrics: Metrics = {
  tableSeen: () => {},
  runFinished: () => {},
  stageFinished: () => {},
  rowsIngested: () => {},
  checkResult: () => {},
  lockParked: () => {},
  lockWait: () => {},
  publishConflict: () => {},
  tableCompacted: () => {},
  snapshotsExpired: () => {},
  orphansRemoved: () => {},
  prefectDelivery: () => {},
};

export const noopEvents: EventSink = { emit: () => {} };
