import crypto from 'node:crypto';
import YAML from 'yaml';
import { z } from 'zod';
import type { ColumnInfo } from '../../../../src/shared/lakehouse/lakehouse.js';
import { listFiles } from './files.js';
import type { JobHandler } from './jobs.js';
import { failureMessage, isCode, text, writeTarget, type JobTarget } from './job-target.js';
import { SCRATCH_PREFIX, setPending, type FakeContext } from './state.js';
import { tableOnBranch } from './tables.js';

/** Infers a source's schema the real way: imports it into a scratch branch, reads the schema, drops the branch. */
async function inferFields(context: FakeContext, branch: string, search: string, signal: AbortSignal): Promise<ColumnInfo[]> {
  const { lakehouse } = context;
  const scratch = `${SCRATCH_PREFIX}plan-${crypto.randomUUID()}`;
  const table = `fake_plan.t${crypto.randomUUID().replaceAll('-', '')}`;
  await lakehouse.createBranch(scratch, { from: branch });
  try {
    await lakehouse.importData({ table, source: search, branch: scratch, schemaPolicy: 'evolve', signal });
    return await lakehouse.tableSchema(table, scratch);
  } finally {
    await lakehouse.deleteBranch(scratch, { ifExists: true });
  }
}

function planYaml(target: JobTarget, search: string, replace: boolean, fields: readonly ColumnInfo[], conflict?: string): string {
  return YAML.stringify({
    branch: target.branch,
    namespace: target.namespace,
    table: target.table,
    search_string: search,
    table_replace: replace,
    fields: fields.map((f) => ({ name: f.name, type: f.type, required: f.required })),
    schema_info: {
      conflicts: conflict === undefined ? [] : [{ column_with_conflict: '', reconcile_step: conflict }],
      detected_schemas: fields.map((f) => ({
        column_name: f.name,
        src_datatypes: [{ datatype: f.type }],
        dst_datatype: [{ datatype: f.type }],
      })),
      partitions: [],
    },
  });
}

/** TableCreatePlan: a YAML plan with the schema the files imply; not auto-applicable when the table exists. */
export function tableCreatePlan(context: FakeContext, request: Readonly<Record<string, unknown>>): JobHandler {
  return async ({ emit, signal }) => {
    try {
      const target = await writeTarget(context, { branch: request['branch_name'], namespace: request['namespace'], table: request['table_name'] });
      const search = text(request['search_string']);
      if (search === undefined) throw new Error('INVALID_INPUT: search_string is required');
      const files = await listFiles(context, search).catch((error: unknown) => {
        throw isCode(error, 'SOURCE_NOT_FOUND') ? new Error(`no files found matching ${search}`) : error;
      });
      const fields = await inferFields(context, target.branch, search, signal);
      const replace = request['table_replace'] === true;
      const exists = (await tableOnBranch(context, target.branch, target.qualified)) !== undefined;
      const conflict = exists && !replace ? `table ${target.qualified} already exists on ${target.branch}: set table_replace or import into it` : undefined;
      emit({
        table_create_plan_done_event: {
          plan_as_yaml: planYaml(target, search, replace, fields, conflict),
          success: true,
          error_message: '',
          files_to_be_imported: files.map((f) => f.uri),
          can_auto_apply: conflict === undefined,
        },
      });
      return { success: `planned ${target.qualified} from ${files.length} files` };
    } catch (error) {
      emit({ table_create_plan_done_event: { plan_as_yaml: '', success: false, error_message: failureMessage(error), files_to_be_imported: [], can_auto_apply: false } });
      throw error;
    }
  };
}

const planSchema = z.object({
  branch: z.string().min(1),
  namespace: z.string().min(1),
  table: z.string().min(1),
  table_replace: z.boolean().default(false),
  fields: z.array(z.object({ name: z.string().min(1), type: z.string().min(1), required: z.boolean().default(false) })).min(1),
  schema_info: z.object({ conflicts: z.array(z.unknown()).default([]) }).optional(),
});

/** TableCreatePlanApply: records the planned table as pending on its branch; the first import fills it. */
export function tableCreatePlanApply(context: FakeContext, request: Readonly<Record<string, unknown>>): JobHandler {
  return async ({ emit }) => {
    try {
      let raw: unknown;
      try {
        raw = YAML.parse(text(request['plan_yaml']) ?? '');
      } catch (error) {
        throw new Error(`INVALID_PLAN: ${(error as Error).message}`);
      }
      const parsed = planSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`INVALID_PLAN: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const plan = parsed.data;
      const target = await writeTarget(context, plan);
      const existing = await tableOnBranch(context, target.branch, target.qualified);
      if (existing !== undefined && !plan.table_replace) {
        throw new Error(`TABLE_EXISTS: table ${target.qualified} already exists on branch ${target.branch}`);
      }
      if ((plan.schema_info?.conflicts.length ?? 0) > 0) throw new Error('SCHEMA_CONFLICT: the plan has unresolved conflicts');
      const realExists = (await context.lakehouse.listTables(target.branch)).some((t) => t.name === target.qualified);
      setPending(context, target.branch, target.qualified, {
        fields: plan.fields.map((f, index) => ({ ...f, fieldId: index + 1 })),
        replace: plan.table_replace && realExists,
        createdAtMs: Date.now(),
      });
      emit({ table_create_plan_apply_done_event: { success: true, error_message: '' } });
      return { success: `created ${target.qualified} on ${target.branch}` };
    } catch (error) {
      emit({ table_create_plan_apply_done_event: { success: false, error_message: failureMessage(error) } });
      throw error;
    }
  };
}
