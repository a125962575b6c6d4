/**
 * Every metric Floodgate exports, by name, so dashboards, alert rules and tests agree on one list.
 * Prometheus conventions: `floodgate_` namespace, base units in the name, `_total` for counters.
 */
export const METRIC_NAMES = Object.freeze({
  runs: 'floodgate_runs_total',
  stageDuration: 'floodgate_stage_duration_seconds',
  rowsIngested: 'floodgate_rows_ingested_total',
  bytesIngested: 'floodgate_bytes_ingested_total',
  auditChecks: 'floodgate_audit_checks_total',
  lockWait: 'floodgate_lock_wait_seconds',
  jobsParked: 'floodgate_jobs_parked_total',
  publishConflicts: 'floodgate_publish_conflicts_total',
  compactions: 'floodgate_compactions_total',
  compactedFiles: 'floodgate_compacted_files_total',
  snapshotsExpired: 'floodgate_snapshots_expired_total',
  orphanFilesDeleted: 'floodgate_orphan_files_deleted_total',
  orphanBytesDeleted: 'floodgate_orphan_bytes_deleted_total',
  prefectDeliveries: 'floodgate_prefect_deliveries_total',
  queueJobs: 'floodgate_queue_jobs',
  queueOldestWaitingAge: 'floodgate_queue_oldest_waiting_age_seconds',
});

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];

/** Stage jobs run from well under a second (publish) to many minutes (a large write or audit). */
export const STAGE_DURATION_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Time to take a table's lease: usually instant, else until a run ahead of it publishes. */
export const LOCK_WAIT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300];
