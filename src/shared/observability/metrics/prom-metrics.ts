import { Counter, Histogram, type Registry } from 'prom-client';
import type { Metrics } from '../ports.js';
import { CHECK_TYPES } from '../../audits/checks/schema.js';
import { LOCK_WAIT_BUCKETS, METRIC_NAMES, STAGE_DURATION_BUCKETS } from './names.js';

const STAGES = ['write', 'audit', 'publish'] as const;
const PREFECT_OUTCOMES = ['sent', 'retried', 'failed', 'dropped'] as const;
const RUN_OUTCOMES = ['published', 'audit_failed', 'rejected', 'failed'] as const;
const CHECK_STATUSES = ['passed', 'failed', 'warned', 'error'] as const;

/**
 * The Metrics port on prom-client, registered in `registry` (call once per registry).
 *
 * Label values stay bounded: tables are the user's tables, stages, outcomes and check types are
 * fixed sets. Run ids, branch names and error messages never become labels.
 */
export function createPromMetrics(registry: Registry): Metrics {
  const registers = [registry];
  const runs = new Counter({
    name: METRIC_NAMES.runs,
    help: 'WAP runs that finished, by table and outcome (published, audit_failed, rejected, failed).',
    labelNames: ['table', 'outcome'],
    registers,
  });
  const stageDuration = new Histogram({
    name: METRIC_NAMES.stageDuration,
    help: 'Time one stage job took, by stage and outcome (ok, error, parked).',
    labelNames: ['stage', 'outcome'],
    buckets: [...STAGE_DURATION_BUCKETS],
    registers,
  });
  const rows = new Counter({ name: METRIC_NAMES.rowsIngested, help: 'Rows written to WAP branches, by table.', labelNames: ['table'], registers });
  const bytes = new Counter({ name: METRIC_NAMES.bytesIngested, help: 'Bytes of data files written to WAP branches, by table.', labelNames: ['table'], registers });
  const checks = new Counter({
    name: METRIC_NAMES.auditChecks,
    help: 'Audit check results, by check type and status (passed, failed, warned, error).',
    labelNames: ['check_type', 'status'],
    registers,
  });
  const lockWait = new Histogram({
    name: METRIC_NAMES.lockWait,
    help: "Time spent taking a table's lease before a stage could work on it.",
    buckets: [...LOCK_WAIT_BUCKETS],
    registers,
  });
  const parked = new Counter({
    name: METRIC_NAMES.jobsParked,
    help: 'Stage jobs parked (delayed without using an attempt) because their table was busy, by stage.',
    labelNames: ['stage'],
    registers,
  });
  const conflicts = new Counter({
    name: METRIC_NAMES.publishConflicts,
    help: 'Publishes that met a merge conflict on main, by table.',
    labelNames: ['table'],
    registers,
  });
  const compactions = new Counter({
    name: METRIC_NAMES.compactions,
    help: 'Tables rewritten into fewer data files, by table and by whom (publish: after a run, janitor: the audit history).',
    labelNames: ['table', 'by'],
    registers,
  });
  const compactedFiles = new Counter({
    name: METRIC_NAMES.compactedFiles,
    help: 'Data files replaced by compactions, by table and by whom.',
    labelNames: ['table', 'by'],
    registers,
  });
  const snapshotsExpired = new Counter({
    name: METRIC_NAMES.snapshotsExpired,
    help: 'Table snapshots expired (dropped from the table version on main), by table and by whom (publish, janitor).',
    labelNames: ['table', 'by'],
    registers,
  });
  const orphanFiles = new Counter({ name: METRIC_NAMES.orphanFilesDeleted, help: 'Warehouse files deleted by orphan removal (the janitor).', registers });
  const orphanBytes = new Counter({ name: METRIC_NAMES.orphanBytesDeleted, help: 'Bytes of warehouse files deleted by orphan removal (the janitor).', registers });
  const prefect = new Counter({
    name: METRIC_NAMES.prefectDeliveries,
    help: 'Prefect deliveries, by outcome: sent, retried, failed (gave up) or dropped (buffer full).',
    labelNames: ['outcome'],
    registers,
  });

  // Known label sets start at 0, so rate() and increase() see the first event.
  for (const stage of STAGES) parked.inc({ stage }, 0);
  for (const outcome of PREFECT_OUTCOMES) prefect.inc({ outcome }, 0);
  for (const checkType of CHECK_TYPES) for (const status of CHECK_STATUSES) checks.inc({ check_type: checkType, status }, 0);
  // Tables are known once a job of theirs arrives; their series start at 0 then (see tableSeen).
  const seen = new Set<string>();

  return {
    tableSeen: (table) => {
      if (seen.has(table)) return;
      seen.add(table);
      for (const outcome of RUN_OUTCOMES) runs.inc({ table, outcome }, 0);
      rows.inc({ table }, 0);
      bytes.inc({ table }, 0);
      conflicts.inc({ table }, 0);
    },
    runFinished: (table, outcome) => runs.inc({ table, outcome }),
    stageFinished: (stage, outcome, seconds) => stageDuration.observe({ stage, outcome }, Math.max(0, seconds)),
    rowsIngested: (table, rowCount, byteCount) => {
      rows.inc({ table }, Math.max(0, rowCount));
      bytes.inc({ table }, Math.max(0, byteCount));
    },
    checkResult: (checkType, status) => checks.inc({ check_type: checkType, status }),
    lockParked: (stage) => parked.inc({ stage }),
    lockWait: (seconds) => lockWait.observe(Math.max(0, seconds)),
    publishConflict: (table) => conflicts.inc({ table }),
    tableCompacted: (table, by, filesRewritten) => {
      compactions.inc({ table, by });
      compactedFiles.inc({ table, by }, Math.max(0, filesRewritten));
    },
    snapshotsExpired: (table, by, count) => snapshotsExpired.inc({ table, by }, Math.max(0, count)),
    orphansRemoved: (files, byteCount) => {
      orphanFiles.inc(Math.max(0, files));
      orphanBytes.inc(Math.max(0, byteCount));
    },
    prefectDelivery: (outcome, count = 1) => prefect.inc({ outcome }, Math.max(0, count)),
  };
}
