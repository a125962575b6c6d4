import { FloodgateError } from '../../errors/index.js';
import type { ObjectStore } from '../../sources/index.js';
import { RefChangedError, SchemaMismatchError, SourceUnreadableError } from '../errors.js';
import type { ImportRequest, ImportResult, WorkCheckpoint } from '../lakehouse.js';
import { parseTableName, type TableName } from '../names.js';
import type { CatalogClient } from './catalog/client.js';
import type { JobClient } from './jobs/client.js';
import { assertSucceeded, type JobResult } from './jobs/outcome.js';
import { stageSource } from './staging.js';

export interface RemoteImportDeps {
  readonly catalog: CatalogClient;
  readonly jobs: JobClient;
  readonly objectStore: () => ObjectStore;
  readonly roots: readonly string[];
  readonly cwd: string;
  readonly stagingUri?: string;
  readonly jobTimeoutMs: number;
}

const NO_CHECKPOINT: WorkCheckpoint = { get: () => undefined, set: async () => {} };

/** What a job's submission is told: whether an earlier attempt of this run may have submitted it already. */
export interface Submission {
  readonly again: boolean;
}

/** The checkpoint key that records that a job was (or was about to be) submitted for this run. */
const submittedKey = (key: string): string => `${key}.submitted`;

/**
 * Runs one job to completion. A job id left in the checkpoint by an earlier attempt is resumed
 * (polled) instead of submitting the work again. A job that failed, or that watching gave up on
 * (watch cancels it on a timeout or abort), has its id cleared, so a retry submits anew; so does a
 * resumed job found cancelled. `submit` learns whether an earlier attempt may have submitted the
 * job already: the mark is set before submitting, so a worker killed between submitting and
 * checkpointing the id leaves it too.
 */
async function runJob(
  deps: RemoteImportDeps,
  checkpoint: WorkCheckpoint,
  key: string,
  what: string,
  submit: (submission: Submission) => Promise<string>,
  signal?: AbortSignal,
): Promise<JobResult> {
  let jobId = checkpoint.get(key);
  const resumed = jobId !== undefined && jobId !== '';
  if (jobId === undefined || jobId === '') {
    const again = checkpoint.get(submittedKey(key)) !== undefined;
    if (!again) await checkpoint.set(submittedKey(key), '1');
    jobId = await submit({ again });
    await checkpoint.set(key, jobId);
  }
  let result: JobResult;
  try {
    result = await deps.jobs.watch(jobId, { timeoutMs: deps.jobTimeoutMs, ...(signal === undefined ? {} : { signal }) });
  } catch (error) {
    if (signal?.aborted === true || (error instanceof FloodgateError && error.details['outcome'] === 'timeout')) await checkpoint.set(key, undefined);
    throw error;
  }
  if (result.outcome.kind !== 'success') await checkpoint.set(key, undefined);
  // A job this run's earlier attempt cancelled when it gave up (or someone cancelled) wrote nothing: submit it again.
  if (resumed && result.outcome.kind === 'cancellation') return runJob(deps, checkpoint, key, what, submit, signal);
  assertSucceeded(result, what);
  return result;
}

async function tableOrUndefined(deps: RemoteImportDeps, branch: string, table: TableName) {
  try {
    return await deps.catalog.table(branch, table.namespace, table.name);
  } catch (error) {
    if (error instanceof FloodgateError && error.code === 'TABLE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function ensureNamespace(deps: RemoteImportDeps, branch: string, namespace: string): Promise<void> {
  if (!(await deps.catalog.namespaces(branch)).includes(namespace)) await deps.catalog.createNamespace(branch, namespace);
}

/** Plans a table from the source: a plan job reads the files and derives the schema. */
async function planTable(deps: RemoteImportDeps, checkpoint: WorkCheckpoint, args: CreateTableArgs): Promise<NonNullable<JobResult['plan']>> {
  const { branch, table, search, replace, signal } = args;
  const submit = (): Promise<string> => deps.jobs.tableCreatePlan({ branch, table: table.name, namespace: table.namespace, searchString: search, replace });
  let plan = await runJob(deps, checkpoint, 'bauplan.plan', `table plan for ${table.qualified}`, submit, signal);
  if (plan.plan === undefined) {
    // A resumed plan job whose events are gone: planning writes nothing, so plan again.
    await checkpoint.set('bauplan.plan', undefined);
    plan = await runJob(deps, checkpoint, 'bauplan.plan', `table plan for ${table.qualified}`, submit, signal);
  }
  if (plan.plan === undefined || !plan.plan.success) {
    throw new FloodgateError('JOB_FAILED', `Bauplan could not plan table ${table.qualified}: ${plan.plan?.error ?? 'the plan job sent no plan'}`, {
      details: { jobId: plan.jobId, remoteMessage: plan.plan?.error ?? '' },
    });
  }
  return plan.plan;
}

interface CreateTableArgs {
  readonly branch: string;
  readonly table: TableName;
  readonly search: string;
  readonly replace: boolean;
  readonly source: string;
  readonly signal?: AbortSignal;
}

/**
 * Creates (or, for `replace`, re-creates) the table: a plan job, then its apply job. Planning reads
 * the source, so a plan that fails for good means the source cannot be read as a table.
 */
async function createTable(deps: RemoteImportDeps, checkpoint: WorkCheckpoint, args: CreateTableArgs): Promise<void> {
  let plan: NonNullable<JobResult['plan']>;
  try {
    plan = await planTable(deps, checkpoint, args);
  } catch (error) {
    if (error instanceof FloodgateError && error.code === 'JOB_FAILED' && !error.retryable) {
      throw new SourceUnreadableError(args.source, String(error.details['remoteMessage'] ?? error.message), error);
    }
    throw error;
  }
  if (!plan.canAutoApply) {
    throw new SchemaMismatchError(args.table.qualified, [], 'Bauplan reports schema conflicts its plan cannot apply automatically');
  }
  await ensureNamespace(deps, args.branch, args.table.namespace);
  await runJob(deps, checkpoint, 'bauplan.apply', `table create for ${args.table.qualified}`, () => deps.jobs.tableCreatePlanApply(plan.yaml), args.signal);
}

/**
 * Write on Bauplan: stage the source in S3 if it is local, create the table when it is new (or
 * replaced), then run the import job. Every job id goes into the checkpoint first.
 */
export async function importRemote(deps: RemoteImportDeps, request: ImportRequest, branch: string): Promise<ImportResult> {
  const table = parseTableName(request.table);
  const checkpoint = request.checkpoint ?? NO_CHECKPOINT;
  await deps.catalog.getBranch(branch);
  const staged = await stageSource(table.qualified, request.source, {
    roots: deps.roots,
    cwd: deps.cwd,
    objectStore: deps.objectStore,
    ...(deps.stagingUri === undefined ? {} : { stagingUri: deps.stagingUri }),
    ...(request.format === undefined ? {} : { format: request.format }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
    ...(request.expectedFiles === undefined ? {} : { expectedFiles: request.expectedFiles }),
  });
  const existing = await tableOrUndefined(deps, branch, table);
  const replace = request.mode === 'replace';
  let rowsBefore = Number(checkpoint.get('bauplan.rowsBefore') ?? Number.NaN);
  if (Number.isNaN(rowsBefore)) {
    // A fresh import (not a resumed one, whose own table creation moved the branch).
    if (request.expectedHead !== undefined) {
      const head = await deps.catalog.getBranch(branch);
      if (head.hash !== request.expectedHead) throw new RefChangedError(request.branch, request.expectedHead, head.hash);
    }
    rowsBefore = replace ? 0 : (existing?.records ?? 0);
    await checkpoint.set('bauplan.rowsBefore', String(rowsBefore));
  }
  const created = existing === undefined || replace;
  if (created && checkpoint.get('bauplan.import') === undefined) {
    await createTable(deps, checkpoint, { branch, table, search: staged.searchString, source: request.source, replace: existing !== undefined, ...(request.signal === undefined ? {} : { signal: request.signal }) });
  }
  request.onProgress?.({ phase: 'writing', filesTotal: staged.files });
  // The first submission imports every file, as asked: Floodgate's own not_already_loaded check
  // decides about files loaded before. A resubmission (after a failed, cancelled or possibly lost
  // submission of this run) lets Bauplan skip files already imported, so it cannot add them twice.
  await runJob(deps, checkpoint, 'bauplan.import', `import into ${table.qualified}`, ({ again }) =>
    deps.jobs.tableDataImport({ branch, table: table.name, namespace: table.namespace, searchString: staged.searchString, importDuplicateFiles: !again }), request.signal);
  request.onProgress?.({ phase: 'committing' });
  const after = await deps.catalog.table(branch, table.namespace, table.name);
  const head = await deps.catalog.getBranch(branch);
  return {
    table: table.qualified,
    rows: Math.max(0, (after.records ?? 0) - rowsBefore),
    files: staged.files,
    bytes: staged.bytes,
    commit: head.hash,
    addedColumns: [],
    created: existing === undefined,
  };
}
