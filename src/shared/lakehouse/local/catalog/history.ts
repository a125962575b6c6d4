import { loadCommitsAndParents, parentsOf } from './rows.js';
import type { CommitNode } from './rows.js';
import type { SqlExecutor } from './sql.js';
import type { CommitRecord } from './types.js';

/**
 * History walks. Every walk visits commits in descending generation order, one generation
 * at a time; a commit's generation is larger than each of its parents', so when a commit is
 * visited every path to it from the start has been seen. That bounds a walk by the commits
 * above the generation where it stops, never by the whole history.
 */

const FROM_A = 1;
const FROM_B = 2;
const FROM_BOTH = FROM_A | FROM_B;

/** Takes every pending commit of the highest generation out of `pending`. */
function popTopGeneration<V extends { generation: number }>(pending: Map<string, V>): [string, V][] {
  let top = -1;
  for (const value of pending.values()) top = Math.max(top, value.generation);
  const batch = [...pending].filter(([, value]) => value.generation === top).sort(([x], [y]) => (x < y ? -1 : 1));
  for (const [id] of batch) pending.delete(id);
  return batch;
}

/**
 * The best common ancestor of `a` and `b`: the common ancestor with the highest generation,
 * which no other common ancestor descends from. `a` itself when `b` descends from it (and the
 * other way round). Undefined when the two share no history.
 */
export async function mergeBase(db: SqlExecutor, a: CommitNode, b: CommitNode): Promise<string | undefined> {
  if (a.id === b.id) return a.id;
  const pending = new Map<string, { generation: number; flags: number }>([
    [a.id, { generation: a.generation, flags: FROM_A }],
    [b.id, { generation: b.generation, flags: FROM_B }],
  ]);
  while (pending.size > 0) {
    let seen = 0;
    for (const entry of pending.values()) seen |= entry.flags;
    // Once one side has nothing left to walk, no commit below can be reached from both.
    if ((seen & FROM_BOTH) !== FROM_BOTH) return undefined;
    const batch = popTopGeneration(pending);
    // Flags only flow from children, which have higher generations and were all visited.
    const common = batch.find(([, entry]) => entry.flags === FROM_BOTH);
    if (common !== undefined) return common[0];
    const parents = await parentsOf(
      db,
      batch.map(([id]) => id),
    );
    for (const [id, entry] of batch) {
      for (const parent of parents.get(id) ?? []) {
        const known = pending.get(parent.id);
        if (known === undefined) pending.set(parent.id, { generation: parent.generation, flags: entry.flags });
        else known.flags |= entry.flags;
      }
    }
  }
  return undefined;
}

/** `start` and its ancestors, newest generation first (ties: newest first), at most `limit`. */
export async function ancestors(db: SqlExecutor, start: CommitNode, limit: number): Promise<CommitRecord[]> {
  const out: CommitRecord[] = [];
  const pending = new Map<string, { generation: number }>([[start.id, { generation: start.generation }]]);
  while (pending.size > 0 && out.length < limit) {
    const ids = popTopGeneration(pending).map(([id]) => id);
    const { commits, parents } = await loadCommitsAndParents(db, ids);
    const level = ids
      .map((id) => commits.get(id))
      .filter((record): record is CommitRecord => record !== undefined)
      .sort((x, y) => (x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt > y.createdAt ? -1 : 1));
    out.push(...level.slice(0, limit - out.length));
    if (out.length >= limit) break;
    for (const list of parents.values()) {
      for (const parent of list) pending.set(parent.id, { generation: parent.generation });
    }
  }
  return out;
}

/**
 * Whether `ancestor` is `descendant` or in its history, in one query: a recursive walk down from
 * `descendant` that never goes below `ancestor`'s generation.
 */
export async function isAncestor(db: SqlExecutor, ancestor: CommitNode, descendant: CommitNode): Promise<boolean> {
  if (ancestor.id === descendant.id) return true;
  if (ancestor.generation >= descendant.generation) return false;
  const rows = await db.query<{ found: number }>(
    `WITH RECURSIVE walk(id) AS (
       SELECT id FROM fg_commits WHERE id = ?
       UNION
       SELECT p.parent_id FROM fg_commit_parents p
         JOIN walk w ON p.commit_id = w.id
         JOIN fg_commits c ON c.id = p.parent_id
        WHERE c.generation >= ?
     )
     SELECT 1 AS found FROM walk WHERE id = ? LIMIT 1`,
    [descendant.id, ancestor.generation, ancestor.id],
  );
  return rows.length > 0;
}
