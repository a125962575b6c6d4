import { parseTableName } from '../../../../src/shared/lakehouse/names.js';
import { canWrite, DEFAULT_NAMESPACE, findBranch, type FakeContext } from './state.js';

/** Where a table job writes. */
export interface JobTarget {
  readonly branch: string;
  readonly namespace: string;
  readonly table: string;
  /** `namespace.table` */
  readonly qualified: string;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Checks a table job's branch and names; throws the job failure message when they are not usable. */
export async function writeTarget(
  context: FakeContext,
  input: { branch?: unknown; namespace?: unknown; table?: unknown },
): Promise<JobTarget> {
  const branch = text(input.branch) ?? 'main';
  const namespace = text(input.namespace) ?? DEFAULT_NAMESPACE;
  const table = text(input.table);
  if (table === undefined) throw new Error('INVALID_INPUT: table_name is required');
  const qualified = `${namespace}.${table}`;
  try {
    parseTableName(qualified);
  } catch (error) {
    throw new Error(`INVALID_INPUT: ${(error as Error).message}`);
  }
  if ((await findBranch(context.lakehouse, branch).catch(() => undefined)) === undefined) {
    throw new Error(`BRANCH_NOT_FOUND: branch ${branch} not found`);
  }
  if (!canWrite(context, branch)) {
    throw new Error(`FORBIDDEN: user ${context.username} cannot write to branch ${branch}; use a branch starting with "${context.username}."`);
  }
  return { branch, namespace, table, qualified };
}

/** The job failure message for an error of the backing store. */
export function failureMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | undefined)?.code === code;
}
