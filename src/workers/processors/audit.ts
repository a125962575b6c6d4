import { contractFor, runAudit, type AuditReport } from '../../shared/audits/index.js';
import { stageJobId, type IngestionRequest } from '../../shared/jobs/index.js';
import { TERMINAL_STATUSES } from '../../shared/ledger/index.js';
import type { FleetDeps, StageJob, StageOutcome } from './context.js';
import { failStage, finishRun, settleFinished } from './finish.js';
import { LeaseLostError, runStage } from './lease.js';

/** A compact form of the report for events and the ledger's failure summary. */
export function failedChecks(report: AuditReport): Array<{ name: string; type: string; failingCount: number | null; message?: string }> {
  return report.checks
    .filter((check) => check.severity === 'error' && check.status !== 'passed' && check.status !== 'warned')
    .map((check) => ({
      name: check.name,
      type: check.type,
      failingCount: check.failingCount ?? null,
      ...(check.message === undefined ? {} : { message: check.message }),
    }));
}

/**
 * Audit: run the request's and the table contract's checks against exactly the commit the
 * write made. Passed: hand the run to publish. Failed: the run ends audit_failed, its branch
 * kept as a quarantine or deleted as the request asked, and main is untouched.
 */
export function auditProcessor(deps: FleetDeps) {
  return async (job: StageJob, token?: string, signal?: AbortSignal): Promise<StageOutcome> => {
    const { runId, table } = job.data;
    const handOn = async () => {
      await deps.queues.publish.add('publish', job.data, { jobId: stageJobId(runId) });
      return 'done' as const;
    };
    return runStage(
      deps,
      job,
      token,
      signal,
      {
        stage: 'audit',
        allowed: ['written', 'auditing'],
        change: { status: 'auditing', attempt: 'audit' },
        otherwise: async (record) => {
          if (TERMINAL_STATUSES.has(record.status)) return settleFinished(deps, record);
          // Re-delivered after the audit passed: only make sure the run was handed on.
          return record.status === 'audited' ? handOn() : 'skipped';
        },
      },
      async (lease, record, leaseSignal) => {
        const request = record.request as unknown as IngestionRequest;
        try {
          const report = await runAudit({
            lakehouse: deps.lakehouse,
            table,
            ref: `${record.branch ?? ''}@${record.writeCommit ?? ''}`,
            checks: request.checks,
            contract: contractFor(deps.contracts, table),
            context: {
              runId,
              ...(record.rows === undefined ? {} : { rowsAdded: record.rows }),
              ...(record.fingerprints === undefined ? {} : { fingerprints: record.fingerprints }),
              historyRef: deps.options.mainBranch,
            },
            signal: leaseSignal,
          });
          const stored = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
          for (const check of report.checks) deps.metrics.checkResult(check.type, check.status);
          if (!report.passed) {
            // Fencing: a failed verdict ends the run, which only the current delivery may do.
            if (!(await deps.locks.holds(lease))) throw new LeaseLostError(table, runId);
            deps.events.emit({ event: 'wap.run.audit.failed', runId, table, payload: { failedChecks: failedChecks(report), report: stored } });
            await finishRun(deps, record, 'audit_failed', {
              keepBranch: request.onAuditFailure !== 'delete',
              note: failedChecks(report).map((c) => c.name).join(', '),
              patch: { report: stored },
            });
            return 'done';
          }
          // Fencing: only the delivery that holds the run's current lease records the verdict.
          const recorded = await deps.runs.record(lease, { status: 'audited', patch: { report: stored } });
          if (recorded !== 'applied') throw new LeaseLostError(table, runId, recorded === 'finished' ? 'the run has finished' : undefined);
          deps.events.emit({ event: 'wap.run.audit.passed', runId, table, payload: { checks: report.checks.length, report: stored } });
          return await handOn();
        } catch (error) {
          return failStage(deps, job, record, error, { stage: 'audit', keepBranch: true, permanentOutcome: 'failed', lease });
        }
      },
    );
  };
}
