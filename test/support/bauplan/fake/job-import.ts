import crypto from 'node:crypto';
import type { ColumnInfo, ImportRequest } from '../../../../src/shared/lakehouse/lakehouse.js';
import { IMPORTED_FILES_PROPERTY, importedFiles, listFiles, stageFiles } from './files.js';
import type { JobHandler } from './jobs.js';
import { isCode, text, writeTarget, type JobTarget } from './job-target.js';
import { SCRATCH_PREFIX, setPending, type FakeContext, type PendingTable } from './state.js';

/** Columns whose name or type differ between a planned schema and an imported one. */
function differingColumns(planned: readonly ColumnInfo[], actual: readonly ColumnInfo[]): string[] {
  const types = (fields: readonly ColumnInfo[]) => new Map(fields.map((f) => [f.name, f.type]));
  const want = types(planned);
  const got = types(actual);
  const names = new Set([...want.keys(), ...got.keys()]);
  return [...names].filter((name) => want.get(name) !== got.get(name)).sort();
}

/**
 * The first import into a planned table goes through a scratch branch: the data must match the
 * plan's schema before it reaches the target branch.
 */
async function importIntoPending(
  context: FakeContext,
  target: JobTarget,
  pending: PendingTable,
  request: Omit<ImportRequest, 'branch' | 'mode' | 'schemaPolicy'>,
): Promise<void> {
  const { lakehouse } = context;
  const scratch = `${SCRATCH_PREFIX}import-${crypto.randomUUID()}`;
  await lakehouse.createBranch(scratch, { from: target.branch });
  try {
    await lakehouse.importData({
      ...request,
      branch: scratch,
      mode: pending.replace ? 'replace' : 'append',
      schemaPolicy: pending.replace ? 'evolve' : 'freeze',
    });
    const columns = differingColumns(pending.fields, await lakehouse.tableSchema(target.qualified, scratch));
    if (columns.length > 0) {
      throw new Error(`schema mismatch: the source does not match the planned schema of ${target.qualified}: ${columns.join(', ')}`);
    }
    await lakehouse.merge(scratch, { into: target.branch, author: context.username });
  } finally {
    await lakehouse.deleteBranch(scratch, { ifExists: true });
  }
}

/** TableDataImport: appends the files a search string matches to an existing (or planned) table. */
export function tableDataImport(context: FakeContext, request: Readonly<Record<string, unknown>>): JobHandler {
  return async ({ job, signal, log }) => {
    const { lakehouse } = context;
    const target = await writeTarget(context, { branch: request['branch_name'], namespace: request['namespace'], table: request['table_name'] });
    const search = text(request['search_string']);
    if (search === undefined) throw new Error('INVALID_INPUT: search_string is required');
    const pending = context.pending.get(target.branch)?.get(target.qualified);
    const exists = (await lakehouse.listTables(target.branch)).some((t) => t.name === target.qualified);
    if (pending === undefined && !exists) {
      throw new Error(`table not found: ${target.qualified} does not exist on branch ${target.branch}`);
    }
    const listed = await listFiles(context, search).catch((error: unknown) => {
      throw isCode(error, 'SOURCE_NOT_FOUND') ? new Error(`no files found matching ${search}`) : error;
    });
    const skip =
      request['import_duplicate_files'] === true || pending?.replace === true
        ? new Set<string>()
        : await importedFiles(context, target.branch, target.qualified);
    const fresh = listed.filter((file) => !skip.has(file.uri));
    if (fresh.length === 0) {
      log(`all ${listed.length} files were imported into ${target.qualified} before; nothing to do`);
      return { success: 'no new files to import' };
    }
    if (fresh.length < listed.length) log(`skipping ${listed.length - fresh.length} files imported before`);
    const staged = fresh.length === listed.length ? undefined : await stageFiles(context, fresh, signal);
    const importRequest = {
      table: target.qualified,
      source: staged?.source ?? search,
      author: context.username,
      properties: { [IMPORTED_FILES_PROPERTY]: JSON.stringify(fresh.map((f) => f.uri)), 'bauplan.job_id': job.id },
      signal,
    };
    try {
      if (pending !== undefined) await importIntoPending(context, target, pending, importRequest);
      else await lakehouse.importData({ ...importRequest, branch: target.branch, mode: 'append', schemaPolicy: 'freeze' });
    } catch (error) {
      if (isCode(error, 'SCHEMA_MISMATCH')) throw new Error(`schema mismatch: ${(error as Error).message}`);
      throw error;
    } finally {
      await staged?.cleanup();
    }
    if (pending !== undefined) setPending(context, target.branch, target.qualified, undefined);
    log(`imported ${fresh.length} files into ${target.qualified} on ${target.branch}`);
    return { success: `imported ${fresh.length} files` };
  };
}
