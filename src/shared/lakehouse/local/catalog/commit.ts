import {
  InvalidInputError,
  RefChangedError,
  RefNotFoundError,
  RefProtectedError,
  TableChangedError,
} from '../../errors.js';
import { MIRRORED_BRANCH, mirrorMain } from './mirror.js';
import { insertCommit, loadCommit, moveRef, pointersOf, readRef } from './rows.js';
import type { SqlExecutor } from './sql.js';
import type { CommitRecord, CommitToBranchInput, RefRecord } from './types.js';

/** Locks a ref for a move and checks it is a branch. */
export async function lockBranch(tx: SqlExecutor, name: string, action: string): Promise<RefRecord> {
  const ref = await readRef(tx, name, { lock: true });
  if (ref === undefined) throw new RefNotFoundError(name);
  if (ref.kind !== 'branch') throw new RefProtectedError(name, `${action} tag`);
  return ref;
}

/**
 * One commit on top of the branch's current head, with `changes` applied to its pointer map.
 * Each change must be based on the head's current pointer of its table; changes to other
 * tables that landed meanwhile are kept.
 */
export async function commitToBranch(
  tx: SqlExecutor,
  catalogName: string,
  input: CommitToBranchInput,
): Promise<CommitRecord> {
  const tables = input.changes.map((change) => change.table);
  const duplicate = tables.find((table, i) => tables.indexOf(table) !== i);
  if (duplicate !== undefined) {
    throw new InvalidInputError(`table ${duplicate} appears twice in one commit`, { table: duplicate });
  }
  const ref = await lockBranch(tx, input.branch, 'commit to');
  if (input.expectedHead !== undefined && ref.commitId !== input.expectedHead) throw new RefChangedError(ref.name, input.expectedHead, ref.commitId);
  const head = await loadCommit(tx, ref.commitId);
  if (head === undefined) throw new RefNotFoundError(input.branch);
  const current = await pointersOf(tx, head.id, tables);
  for (const change of input.changes) {
    if ((current.get(change.table) ?? null) !== change.basedOn) throw new TableChangedError(change.table, input.branch);
  }
  const tableChanges = new Map(input.changes.map((change) => [change.table, change.metadataLocation]));
  const commit = await insertCommit(tx, {
    parents: [head],
    message: input.message,
    author: input.author,
    properties: input.properties ?? {},
    copyTablesFrom: head.id,
    tableChanges,
  });
  if (!(await moveRef(tx, ref.name, head.id, commit.id))) {
    const now = await readRef(tx, ref.name);
    throw new RefChangedError(ref.name, head.id, now?.commitId ?? '(deleted)');
  }
  if (ref.name === MIRRORED_BRANCH) {
    const after = new Map<string, string>();
    for (const [table, location] of tableChanges) if (location !== null) after.set(table, location);
    await mirrorMain(tx, catalogName, current, after);
  }
  return commit;
}
