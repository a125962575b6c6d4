import { contractFor } from '../../shared/audits/index.js';
import { runBranch, stageJobId } from '../../shared/jobs/index.js';
import type { IngestionRequest } from '../../shared/jobs/index.js';
import { RefChangedError } from '../../shared/lakehouse/errors.js';
import type { WorkCheckpoint } from '../../shared/lakehouse/lakehouse.js';
import { TERMINAL_STATUSES, type RunRecord } from '../../shared/ledger/index.js';
import type { FleetDeps, StageJob, StageOutcome } from './context.js';
import { failStage, settleFinished } from './finish.js';
import { LeaseLostError, runStage } from './lease.js';

/** The run's import commit when it is the branch's head (left by an earlier or concurrent delivery), with the rows it added. */
async function findImportCommit(deps: FleetDeps, branch: string, runId: string): Promise<{ commit: string; rows: number | undefined } | undefined> {
  const [head] = await deps.lakehouse.log(branch, { limit: 1 });
  if (head?.properties['floodgate.run-id'] !== runId || head.properties['floodgate.operation'] !== 'import') return undefined;
  const rows = Number(head.properties['floodgate.rows']);
  return { commit: head.id, rows: Number.isSafeInteger(rows) ? rows : undefined };
}

/**
 * The run's ledger record as the backend's checkpoint: a remote import job's id is saved (with
 * the branch's base) before the job is awaited, so the worker that takes the run over after a
 * crash polls that same job.
 */
function ledgerCheckpoint(deps: FleetDeps, record: RunRecord, baseCommit: string): WorkCheckpoint {
  let resume: Record<string, string> = { ...record.resume };
  return {
    get: (key) => resume[`write.${key}`],
    set: async (key, value) => {
      const next = { ...resume };
      if (value === undefined) delete next[`write.${key}`];
      else next[`write.${key}`] = value;
      resume = next;
      await deps.ledger.apply(record.runId, { patch: { resume: next, baseCommit } });
    },
  };
}

async function branchExists(deps: FleetDeps, branch: string): Promise<boolean> {
  return (await deps.lakehouse.listBranches({ prefix: branch })).some((ref) => ref.name === branch);
}

/**
 * The run's branch and the main commit it was made from. A branch left by an earlier attempt is
 * reused when its base is on record; otherwise (a crash before anything was recorded) it is
 * made again, so the base is always known.
 */
async function prepareBranch(deps: FleetDeps, record: RunRecord, branch: string): Promise<{ base: string; fresh: boolean }> {
  if (await branchExists(deps, branch)) {
    if (record.baseCommit !== undefined) return { base: record.baseCommit, fresh: false };
    await deps.lakehouse.deleteBranch(branch, { ifExists: true });
  }
  const created = await deps.lakehouse.createBranch(branch, { from: deps.options.mainBranch });
  return { base: created.commit, fresh: true };
}

/**
 * Write: under the table lock, make the run's branch from main (recording the base commit) and
 * import the source into it as one commit. Re-delivered, it finds its branch and commit and
 * goes on. A permanent error rejects the run at once; a transient one is retried.
 */
export function writeProcessor(deps: FleetDeps) {
  return async (job: StageJob, token?: string, signal?: AbortSignal): Promise<StageOutcome> => {
    const { runId, table } = job.data;
    const branch = runBranch(table, runId);
    const handOn = async () => {
      await deps.queues.audit.add('audit', job.data, { jobId: stageJobId(runId) });
      return 'done' as const;
    };
    return runStage(
      deps,
      job,
      token,
      signal,
      {
        stage: 'write',
        allowed: ['queued', 'writing'],
        change: { status: 'writing', attempt: 'write', patch: { branch } },
        otherwise: async (record) => {
          if (TERMINAL_STATUSES.has(record.status)) return settleFinished(deps, record);
          // Re-delivered after the write finished: only make sure the run was handed on.
          return record.writeCommit === undefined ? 'skipped' : handOn();
        },
      },
      async (lease, record, leaseSignal) => {
        try {
          const request = record.request as unknown as IngestionRequest;
          const { base, fresh } = await prepareBranch(deps, record, branch);
          const found = fresh ? undefined : await findImportCommit(deps, branch, runId);
          let commit = found?.commit;
          let counts = { rows: found?.rows ?? record.rows ?? 0, bytes: record.bytes ?? 0, files: record.files ?? 0 };
          if (commit === undefined) {
            const contract = contractFor(deps.contracts, table);
            try {
              const imported = await deps.lakehouse.importData({
                table,
                source: request.source,
                branch,
                mode: request.mode,
                schemaPolicy: contract?.schemaPolicy ?? 'evolve',
                ...(request.format === undefined ? {} : { format: request.format }),
                message: `floodgate run ${runId}: ${request.mode} ${request.source}`.slice(0, 500),
                properties: { 'floodgate.run-id': runId },
                signal: leaseSignal,
                checkpoint: ledgerCheckpoint(deps, record, base),
                // Exactly the files fingerprinted at enqueue: a file that landed under a glob since is not loaded unrecorded.
                ...(record.fingerprints === undefined ? {} : { expectedFiles: record.fingerprints }),
                // Only on the base: a stalled earlier delivery of this run importing at the same time cannot land a second copy.
                expectedHead: base,
              });
              commit = imported.commit;
              counts = { rows: imported.rows, bytes: imported.bytes, files: imported.files };
              deps.metrics.rowsIngested(table, imported.rows, imported.bytes);
            } catch (error) {
              // The other delivery's import landed first: it loaded exactly these files, so it is this run's.
              const landed = error instanceof RefChangedError ? await findImportCommit(deps, branch, runId) : undefined;
              if (landed === undefined) throw error;
              commit = landed.commit;
              counts = { ...counts, rows: landed.rows ?? 0 };
            }
          }
          // Fencing: only the delivery that holds the run's current lease records the write.
          const recorded = await deps.runs.record(lease, { status: 'written', patch: { writeCommit: commit, baseCommit: base, ...counts } });
          if (recorded !== 'applied') throw new LeaseLostError(table, runId, recorded === 'finished' ? 'the run has finished' : undefined);
          deps.events.emit({ event: 'wap.run.written', runId, table, payload: { branch, commit, rows: counts.rows } });
          return await handOn();
        } catch (error) {
          return failStage(deps, job, { runId, table, branch }, error, { stage: 'write', keepBranch: false, permanentOutcome: 'rejected', lease });
        }
      },
    );
  };
}
