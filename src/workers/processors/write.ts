import { contractFor } from '../../shared/audits/index.js';
import { runBranch, stageJobId } from '../../shared/jobs/index.js';
import type { IngestionRequest } from '../../shared/jobs/index.js';
import type { WorkCheckpoint } from '../../shared/lakehouse/lakehouse.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../shared/ledger/index.js';
import type { FleetDeps, StageJob, StageOutcome } from './context.js';
import { failStage, settleFinished } from './finish.js';
import { withLease } from './lease.js';

/** The run's own import commit on its branch, when an earlier attempt got that far. */
async function findImportCommit(deps: FleetDeps, branch: string, runId: string): Promise<string | undefined> {
  const [head] = await deps.lakehouse.log(branch, { limit: 1 });
  return head?.properties['floodgate.run-id'] === runId && head.properties['floodgate.operation'] === 'import' ? head.id : undefined;
}

/**
 * The run's ledger record as the backend's checkpoint: a remote import job's id is saved before
 * the job is awaited, so the worker that takes the run over after a crash polls that same job.
 */
function ledgerCheckpoint(deps: FleetDeps, record: RunRecord): WorkCheckpoint {
  let resume: Record<string, string> = { ...record.resume };
  return {
    get: (key) => resume[`write.${key}`],
    set: async (key, value) => {
      const next = { ...resume };
      if (value === undefined) delete next[`write.${key}`];
      else next[`write.${key}`] = value;
      resume = next;
      await deps.ledger.update(record.runId, { patch: { resume: next } });
    },
  };
}

async function branchExists(deps: FleetDeps, branch: string): Promise<boolean> {
  return (await deps.lakehouse.listBranches({ prefix: branch })).some((ref) => ref.name === branch);
}

/**
 * Write: under the table lock, make the run's branch from main (recording the base commit) and
 * import the source into it as one commit. Re-delivered, it finds its branch and commit and
 * goes on. A permanent error rejects the run at once; a transient one is retried.
 */
export function writeProcessor(deps: FleetDeps) {
  return async (job: StageJob, token?: string, signal?: AbortSignal): Promise<StageOutcome> => {
    const { runId } = job.data;
    const record = await deps.ledger.get(runId);
    if (record === undefined) return 'skipped';
    if (TERMINAL_STATUSES.has(record.status)) return settleFinished(deps, record);
    if (!['queued', 'writing', 'written'].includes(record.status)) return 'skipped';
    if (record.writeCommit !== undefined) {
      // Re-delivered after the write finished: only make sure the run was handed on.
      await deps.queues.audit.add('audit', job.data, { jobId: stageJobId(runId) });
      return 'done';
    }
    const request = record.request as unknown as IngestionRequest;
    const branch = runBranch(record.table, runId);

    return withLease<StageOutcome>(deps, job, token, 'write', signal, async (_lease, leaseSignal) => {
      try {
        let current: RunRecord = await deps.ledger.update(runId, { status: 'writing', attempt: 'write', patch: { branch } });
        if (current.writeCommit === undefined) {
          let base = current.baseCommit;
          if (!(await branchExists(deps, branch))) {
            const created = await deps.lakehouse.createBranch(branch, { from: deps.options.mainBranch });
            base = created.commit;
            current = await deps.ledger.update(runId, { patch: { baseCommit: base } });
          }
          let commit = await findImportCommit(deps, branch, runId);
          let counts = { rows: current.rows ?? 0, bytes: current.bytes ?? 0, files: current.files ?? 0 };
          if (commit === undefined) {
            const contract = contractFor(deps.contracts, record.table);
            const imported = await deps.lakehouse.importData({
              table: record.table,
              source: request.source,
              branch,
              mode: request.mode,
              schemaPolicy: contract?.schemaPolicy ?? 'evolve',
              ...(request.format === undefined ? {} : { format: request.format }),
              message: `floodgate run ${runId}: ${request.mode} ${request.source}`.slice(0, 500),
              properties: { 'floodgate.run-id': runId },
              signal: leaseSignal,
              checkpoint: ledgerCheckpoint(deps, current),
            });
            commit = imported.commit;
            counts = { rows: imported.rows, bytes: imported.bytes, files: imported.files };
            deps.metrics.rowsIngested(record.table, imported.rows, imported.bytes);
          }
          current = await deps.ledger.update(runId, {
            status: 'written',
            patch: { writeCommit: commit, ...counts, ...(base === undefined ? {} : { baseCommit: base }) },
          });
        }
        deps.events.emit({ event: 'wap.run.written', runId, table: record.table, payload: { branch, commit: current.writeCommit ?? null, rows: current.rows ?? 0 } });
        await deps.queues.audit.add('audit', job.data, { jobId: stageJobId(runId) });
        return 'done';
      } catch (error) {
        return failStage(deps, job, record, error, { stage: 'write', keepBranch: false, permanentOutcome: 'rejected' });
      }
    });
  };
}

