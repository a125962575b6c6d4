import type { SqlExecutor, SqlPort } from './sql.js';

/**
 * What the catalog keeps readable when old history expires: every ref's head, every commit a
 * ref reaches through commits made at or after the cutoff, and every branch's fork point from
 * `main` (the newest commit both reach): a branch merges into main against that commit, so its
 * table versions must survive however old it is. Commit times only grow along history (a parent
 * is always made before its child), so the walk stops at the first older one.
 */
const RETAINED = `WITH RECURSIVE
  main_line(id) AS (
    SELECT commit_id FROM fg_refs WHERE name = 'main' AND kind = 'branch'
    UNION
    SELECT p.parent_id FROM fg_commit_parents p JOIN main_line m ON p.commit_id = m.id
  ),
  branch_line(id) AS (
    SELECT commit_id FROM fg_refs WHERE kind = 'branch' AND name <> 'main'
    UNION
    SELECT p.parent_id FROM fg_commit_parents p JOIN branch_line b ON p.commit_id = b.id
     WHERE b.id NOT IN (SELECT id FROM main_line)
  ),
  kept(id) AS (
    SELECT id FROM (
      SELECT commit_id AS id FROM fg_refs
      UNION
      SELECT id FROM branch_line WHERE id IN (SELECT id FROM main_line)
    ) AS seeds
    UNION
    SELECT p.parent_id FROM fg_commit_parents p
      JOIN kept k ON p.commit_id = k.id
      JOIN fg_commits c ON c.id = p.parent_id
     WHERE c.created_at >= ?
  )`;

export interface RetainedVersions {
  readonly commits: number;
  /** Distinct table versions (metadata locations) the retained commits point to. */
  readonly metadataLocations: string[];
}

export async function retainedVersions(db: SqlExecutor, cutoff: string): Promise<RetainedVersions> {
  const [count] = await db.query<{ n: number | string }>(`${RETAINED} SELECT count(*) AS n FROM kept`, [cutoff]);
  const rows = await db.query<{ metadata_location: string }>(
    `${RETAINED} SELECT DISTINCT t.metadata_location FROM fg_commit_tables t JOIN kept k ON t.commit_id = k.id`,
    [cutoff],
  );
  return { commits: Number(count?.n ?? 0), metadataLocations: rows.map((row) => row.metadata_location) };
}

const EXPIRED_BEFORE = 'history.expired-before';

/** The time (ISO-8601) before which history may have expired; undefined when it never has. */
export async function readExpiredBefore(db: SqlExecutor): Promise<string | undefined> {
  const rows = await db.query<{ value: string }>('SELECT value FROM fg_settings WHERE name = ?', [EXPIRED_BEFORE]);
  return rows[0]?.value;
}

/** Moves the mark forward to `cutoff` (never back). */
export async function raiseExpiredBefore(port: SqlPort, cutoff: string): Promise<void> {
  await port.transaction(async (tx) => {
    const current = await readExpiredBefore(tx);
    if (current === undefined) {
      await tx.run('INSERT INTO fg_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [EXPIRED_BEFORE, cutoff]);
      return;
    }
    if (cutoff > current) await tx.run('UPDATE fg_settings SET value = ? WHERE name = ? AND value < ?', [cutoff, EXPIRED_BEFORE, cutoff]);
  });
}

export async function isRefHead(db: SqlExecutor, commitId: string): Promise<boolean> {
  return (await db.query('SELECT 1 AS one FROM fg_refs WHERE commit_id = ? LIMIT 1', [commitId])).length > 0;
}
