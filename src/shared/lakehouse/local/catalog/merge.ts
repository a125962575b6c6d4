import { MergeConflictError, RefChangedError, RefNotFoundError } from '../../errors.js';
import { lockBranch } from './commit.js';
import { mergeBase } from './history.js';
import { MIRRORED_BRANCH, mirrorMain } from './mirror.js';
import { insertCommit, loadCommit, moveRef, pointerMap, readRef } from './rows.js';
import type { PointerMap } from './rows.js';
import type { SqlExecutor } from './sql.js';
import type { CatalogMergeInput, CatalogMergeResult, CommitRecord } from './types.js';

/** The versions of one table both sides of a merge changed (undefined: absent on that side). */
export interface DivergedTable {
  readonly table: string;
  readonly base: string | undefined;
  readonly ours: string | undefined;
  readonly theirs: string | undefined;
}

/** MergeConflictError with the three versions of each conflicting table, for a caller that can resolve them. */
export class DivergedTablesError extends MergeConflictError {
  readonly diverged: readonly DivergedTable[];
  constructor(source: string, into: string, diverged: readonly DivergedTable[]) {
    super(source, into, diverged.map((entry) => entry.table));
    this.diverged = diverged;
  }
}

/** Tables whose pointer differs between two maps, sorted. */
function changedTables(from: PointerMap, to: PointerMap): string[] {
  const tables = new Set([...from.keys(), ...to.keys()]);
  return [...tables].filter((table) => from.get(table) !== to.get(table)).sort();
}

function defaultMessage(input: CatalogMergeInput): string {
  return `Merge ${input.sourceLabel} into ${input.into}`;
}

/**
 * Merges a commit into a branch, all under the branch's row lock:
 * - the source is already in the branch: nothing changes;
 * - the branch is an ancestor of the source: fast-forward (with one linear commit on top of
 *   the source when the caller gave a message or properties);
 * - diverged: a merge commit when the two sides changed disjoint tables, or the caller
 *   resolved the tables both changed (`resolved`), else DivergedTablesError naming them.
 */
export async function mergeInto(tx: SqlExecutor, catalogName: string, input: CatalogMergeInput): Promise<CatalogMergeResult> {
  const ref = await lockBranch(tx, input.into, 'merge into');
  if (input.expectedHead !== undefined && input.expectedHead !== ref.commitId) {
    throw new RefChangedError(input.into, input.expectedHead, ref.commitId);
  }
  const head = await loadCommit(tx, ref.commitId);
  if (head === undefined) throw new RefNotFoundError(input.into);
  const source = await loadCommit(tx, input.sourceCommit);
  if (source === undefined) throw new RefNotFoundError(input.sourceLabel);

  const base = await mergeBase(tx, head, source);
  if (base === source.id) return { commit: head, fastForward: true, changed: false, tables: [] };

  const headMap = await pointerMap(tx, head.id);
  const sourceMap = await pointerMap(tx, source.id);
  let commit: CommitRecord;
  let newMap: PointerMap;
  let fastForward: boolean;

  if (base === head.id) {
    fastForward = true;
    newMap = sourceMap;
    commit =
      input.message === undefined && input.properties === undefined
        ? source
        : await insertCommit(tx, {
            parents: [source],
            message: input.message ?? defaultMessage(input),
            author: input.author,
            properties: input.properties ?? {},
            copyTablesFrom: source.id,
          });
  } else {
    fastForward = false;
    const baseMap: PointerMap = base === undefined ? new Map() : await pointerMap(tx, base);
    const ours = changedTables(baseMap, headMap);
    const theirs = changedTables(baseMap, sourceMap);
    // A table both sides moved to the very same version is not a conflict.
    const both = theirs.filter((table) => ours.includes(table) && headMap.get(table) !== sourceMap.get(table));
    const resolvedTo = (table: string): string | undefined =>
      input.resolved?.find((r) => r.table === table && r.ours === headMap.get(table) && r.theirs === sourceMap.get(table))?.metadataLocation;
    const conflicts = both.filter((table) => resolvedTo(table) === undefined);
    if (conflicts.length > 0) {
      throw new DivergedTablesError(
        input.sourceLabel,
        input.into,
        conflicts.map((table) => ({ table, base: baseMap.get(table), ours: headMap.get(table), theirs: sourceMap.get(table) })),
      );
    }
    const tableChanges = new Map(theirs.map((table) => [table, resolvedTo(table) ?? sourceMap.get(table) ?? null]));
    commit = await insertCommit(tx, {
      parents: [head, source],
      message: input.message ?? defaultMessage(input),
      author: input.author,
      properties: input.properties ?? {},
      copyTablesFrom: head.id,
      tableChanges,
    });
    const merged = new Map(headMap);
    for (const [table, location] of tableChanges) {
      if (location === null) merged.delete(table);
      else merged.set(table, location);
    }
    newMap = merged;
  }

  if (!(await moveRef(tx, ref.name, head.id, commit.id))) {
    throw new RefChangedError(ref.name, head.id, (await readRef(tx, ref.name))?.commitId ?? '(deleted)');
  }
  if (ref.name === MIRRORED_BRANCH) await mirrorMain(tx, catalogName, headMap, newMap);
  return { commit, fastForward, changed: true, tables: changedTables(headMap, newMap) };
}
