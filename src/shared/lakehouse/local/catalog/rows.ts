import { randomBytes } from 'node:crypto';
import { placeholders } from './sql.js';
import type { SqlExecutor } from './sql.js';
import type { CommitRecord, RefKind, RefRecord, TablePointer } from './types.js';

/** Reads and writes of single catalog rows, shared by the operations. */

interface CommitRow {
  id: string;
  message: string;
  author: string;
  created_at: string;
  properties: string;
  generation: number | string;
}

interface ParentRow {
  commit_id: string;
  parent_id: string;
  position: number | string;
  generation: number | string;
}

interface RefRow {
  name: string;
  kind: RefKind;
  commit_id: string;
}

/** A commit id and its generation: all a history walk needs. */
export interface CommitNode {
  readonly id: string;
  readonly generation: number;
}

/** `table name -> metadata location` of one commit. */
export type PointerMap = ReadonlyMap<string, string>;

const CHUNK = 500;
const COMMIT_COLUMNS = 'id, message, author, created_at, properties, generation';

function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

function toRef(row: RefRow): RefRecord {
  return { name: row.name, kind: row.kind, commitId: row.commit_id };
}

export function newCommitId(): string {
  return randomBytes(16).toString('hex');
}

/** Parents of each given commit, first parent first, with their generations. */
export async function parentsOf(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, CommitNode[]>> {
  const out = new Map<string, CommitNode[]>(ids.map((id) => [id, []]));
  for (const part of chunks(ids)) {
    const rows = await db.query<ParentRow>(
      `SELECT p.commit_id, p.parent_id, p.position, c.generation
         FROM fg_commit_parents p JOIN fg_commits c ON c.id = p.parent_id
        WHERE p.commit_id IN (${placeholders(part.length)})
        ORDER BY p.commit_id, p.position`,
      part,
    );
    for (const row of rows) out.get(row.commit_id)?.push({ id: row.parent_id, generation: Number(row.generation) });
  }
  return out;
}

export interface LoadedCommits {
  readonly commits: Map<string, CommitRecord>;
  /** The parents of each loaded commit, with their generations. */
  readonly parents: Map<string, CommitNode[]>;
}

export async function loadCommitsAndParents(db: SqlExecutor, ids: readonly string[]): Promise<LoadedCommits> {
  const out = new Map<string, CommitRecord>();
  if (ids.length === 0) return { commits: out, parents: new Map() };
  const parents = await parentsOf(db, ids);
  for (const part of chunks(ids)) {
    const rows = await db.query<CommitRow>(
      `SELECT ${COMMIT_COLUMNS} FROM fg_commits WHERE id IN (${placeholders(part.length)})`,
      part,
    );
    for (const row of rows) {
      out.set(row.id, {
        id: row.id,
        parents: (parents.get(row.id) ?? []).map((parent) => parent.id),
        message: row.message,
        author: row.author,
        createdAt: row.created_at,
        properties: JSON.parse(row.properties) as Record<string, string>,
        generation: Number(row.generation),
      });
    }
  }
  return { commits: out, parents };
}

export async function loadCommits(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, CommitRecord>> {
  return (await loadCommitsAndParents(db, ids)).commits;
}

export async function loadCommit(db: SqlExecutor, id: string): Promise<CommitRecord | undefined> {
  return (await loadCommits(db, [id])).get(id);
}

/** Up to `limit` commit ids that start with `prefix` (lower-case hex), in id order. */
export async function commitIdsWithPrefix(db: SqlExecutor, prefix: string, limit: number): Promise<string[]> {
  // A range on the primary key: ids are hex, and 'g' sorts after every hex digit.
  const rows = await db.query<{ id: string }>(
    'SELECT id FROM fg_commits WHERE id >= ? AND id < ? ORDER BY id LIMIT ?',
    [prefix, `${prefix}g`, Math.trunc(limit)],
  );
  return rows.map((row) => row.id).filter((id) => id.startsWith(prefix));
}

export async function readRef(db: SqlExecutor, name: string, options: { lock?: boolean } = {}): Promise<RefRecord | undefined> {
  const lock = options.lock === true ? db.dialect.forUpdate : '';
  const rows = await db.query<RefRow>(`SELECT name, kind, commit_id FROM fg_refs WHERE name = ?${lock}`, [name]);
  return rows[0] === undefined ? undefined : toRef(rows[0]);
}

export async function listRefRows(db: SqlExecutor, kind: RefKind | undefined, prefix: string | undefined): Promise<RefRecord[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (kind !== undefined) {
    where.push('kind = ?');
    params.push(kind);
  }
  if (prefix !== undefined && prefix !== '') {
    // U+10FFFF sorts after every character a ref name may hold, byte-wise, on both dialects.
    where.push('name >= ? AND name < ?');
    params.push(prefix, `${prefix}\u{10FFFF}`);
  }
  const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  const rows = await db.query<RefRow>(`SELECT name, kind, commit_id FROM fg_refs${clause} ORDER BY name`, params);
  return rows.map(toRef).filter((ref) => prefix === undefined || ref.name.startsWith(prefix));
}

/** Moves a ref only if it is still at `from`; returns whether it moved. */
export async function moveRef(tx: SqlExecutor, name: string, from: string, to: string): Promise<boolean> {
  return (await tx.run('UPDATE fg_refs SET commit_id = ? WHERE name = ? AND commit_id = ?', [to, name, from])) === 1;
}

export async function pointerMap(db: SqlExecutor, commitId: string): Promise<Map<string, string>> {
  const rows = await db.query<{ table_name: string; metadata_location: string }>(
    'SELECT table_name, metadata_location FROM fg_commit_tables WHERE commit_id = ? ORDER BY table_name',
    [commitId],
  );
  return new Map(rows.map((row) => [row.table_name, row.metadata_location]));
}

/** The pointers of just these tables at a commit (absent tables are left out). */
export async function pointersOf(db: SqlExecutor, commitId: string, tables: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(tables)) {
    const rows = await db.query<{ table_name: string; metadata_location: string }>(
      `SELECT table_name, metadata_location FROM fg_commit_tables
        WHERE commit_id = ? AND table_name IN (${placeholders(part.length)})`,
      [commitId, ...part],
    );
    for (const row of rows) out.set(row.table_name, row.metadata_location);
  }
  return out;
}

export function toPointers(map: PointerMap): TablePointer[] {
  return [...map].map(([table, metadataLocation]) => ({ table, metadataLocation }));
}

export interface NewCommit {
  readonly parents: readonly CommitNode[];
  readonly message: string;
  readonly author: string;
  readonly properties: Readonly<Record<string, string>>;
  /** The pointer map starts as a copy of this commit's ... */
  readonly copyTablesFrom?: string;
  /** ... with these applied (null drops the table). */
  readonly tableChanges?: ReadonlyMap<string, string | null>;
}

/** Inserts a commit, its parents and its full pointer map. */
export async function insertCommit(tx: SqlExecutor, input: NewCommit): Promise<CommitRecord> {
  const record: CommitRecord = {
    id: newCommitId(),
    parents: input.parents.map((parent) => parent.id),
    message: input.message,
    author: input.author,
    createdAt: new Date().toISOString(),
    properties: { ...input.properties },
    generation: input.parents.length === 0 ? 0 : 1 + Math.max(...input.parents.map((parent) => parent.generation)),
  };
  await tx.run(`INSERT INTO fg_commits (${COMMIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, [
    record.id,
    record.message,
    record.author,
    record.createdAt,
    JSON.stringify(record.properties),
    record.generation,
  ]);
  for (const [position, parent] of record.parents.entries()) {
    await tx.run('INSERT INTO fg_commit_parents (commit_id, position, parent_id) VALUES (?, ?, ?)', [
      record.id,
      position,
      parent,
    ]);
  }
  if (input.copyTablesFrom !== undefined) {
    await tx.run(
      `INSERT INTO fg_commit_tables (commit_id, table_name, metadata_location)
       SELECT ?, table_name, metadata_location FROM fg_commit_tables WHERE commit_id = ?`,
      [record.id, input.copyTablesFrom],
    );
  }
  for (const [table, location] of input.tableChanges ?? []) {
    await tx.run('DELETE FROM fg_commit_tables WHERE commit_id = ? AND table_name = ?', [record.id, table]);
    if (location !== null) {
      await tx.run('INSERT INTO fg_commit_tables (commit_id, table_name, metadata_location) VALUES (?, ?, ?)', [
        record.id,
        table,
        location,
      ]);
    }
  }
  return record;
}
