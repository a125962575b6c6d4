import type { Table } from 'apache-arrow';
import { FloodgateError } from '../../errors/index.js';
import { MergeConflictError, RefChangedError, RefNotFoundError, RefProtectedError, SchemaMismatchError } from '../errors.js';
import type {
  AppendRecordsRequest,
  Capabilities,
  ColumnInfo,
  CommitInfo,
  ImportRequest,
  ImportResult,
  Lakehouse,
  MergeOptions,
  MergeResult,
  QueryOptions,
  RefInfo,
  TableInfo,
} from '../lakehouse.js';
import { parseRefSpec, parseTableName, validateRefName } from '../names.js';
import type { CatalogClient } from './catalog/client.js';
import type { TableRecord } from './catalog/schemas.js';
import { importRemote, type RemoteImportDeps } from './import.js';
import type { BauplanNames } from './names.js';
import { runRemoteQuery, type RemoteQueryDeps } from './query.js';
import { RecordWriter } from './records.js';
import { arrowToRows } from './rows.js';

/**
 * What differs on Bauplan: merges make merge commits, `expectedHead` is checked just before the
 * merge (the catalog has no compare-and-swap merge), imports cannot add columns and their commits
 * carry no properties of ours.
 */
export const BAUPLAN_CAPABILITIES: Capabilities = Object.freeze({
  atomicMultiTablePublish: true,
  zeroCopyBranch: true,
  fastForwardMerge: false,
  disjointMergeCommits: true,
  commitPinnedRefs: true,
  tags: true,
  schemaEvolution: false,
  atomicExpectedHead: false,
  importProperties: false,
});

/** Everything the backend talks to: the catalog and job clients, staging, and the user's branch names. */
export interface BauplanLakehouseDeps extends RemoteImportDeps, RemoteQueryDeps {
  readonly names: BauplanNames;
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof FloodgateError && error.code === code;
}

interface ResolvedName {
  readonly remote: string;
  readonly kind: 'branch' | 'tag';
  readonly hash: string;
}

/** Floodgate's Lakehouse on Bauplan: the catalog over REST, imports and queries as jobs over gRPC. */
export class BauplanLakehouse implements Lakehouse {
  readonly backend = 'bauplan';
  readonly capabilities = BAUPLAN_CAPABILITIES;
  private readonly deps: BauplanLakehouseDeps;
  private readonly records: RecordWriter;

  constructor(deps: BauplanLakehouseDeps) {
    this.deps = deps;
    this.records = new RecordWriter(deps.scratch);
  }

  /** A branch (with the user's prefix) or else a tag of that name. */
  private async resolveName(name: string): Promise<ResolvedName> {
    const remote = this.deps.names.branch(name);
    try {
      return { remote, kind: 'branch', hash: (await this.deps.catalog.getBranch(remote)).hash };
    } catch (error) {
      if (!isCode(error, 'REF_NOT_FOUND')) throw error;
    }
    try {
      return { remote: name, kind: 'tag', hash: (await this.deps.catalog.getTag(name)).hash };
    } catch (error) {
      if (isCode(error, 'REF_NOT_FOUND')) throw new RefNotFoundError(name);
      throw error;
    }
  }

  /**
   * A ref spec in Bauplan's terms; a pinned commit is read detached (`@hash`), except as a merge
   * source (`keepName`), where `branch@hash` publishes exactly that commit of the branch.
   */
  private async remoteRef(spec: string, options: { keepName?: boolean } = {}): Promise<string> {
    const parsed = parseRefSpec(spec);
    if (parsed.commit === undefined) return (await this.resolveName(parsed.name ?? spec)).remote;
    if (options.keepName !== true || parsed.name === undefined || parsed.name === '') return `@${parsed.commit}`;
    return `${(await this.resolveName(parsed.name)).remote}@${parsed.commit}`;
  }

  async createBranch(name: string, options: { from?: string } = {}): Promise<RefInfo> {
    const remote = this.deps.names.branch(name);
    const created = await this.deps.catalog.createBranch(remote, await this.remoteRef(options.from ?? this.deps.names.mainBranch));
    return { name, kind: 'branch', commit: created.hash };
  }

  async deleteBranch(name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
    if (validateRefName(name) === this.deps.names.mainBranch) throw new RefProtectedError(name, 'delete');
    try {
      await this.deps.catalog.deleteBranch(this.deps.names.branch(name));
      return true;
    } catch (error) {
      if (!isCode(error, 'REF_NOT_FOUND')) throw error;
      if (options.ifExists === true) return false;
      throw new RefNotFoundError(name);
    }
  }

  async createTag(name: string, options: { from?: string } = {}): Promise<RefInfo> {
    validateRefName(name);
    const created = await this.deps.catalog.createTag(name, await this.remoteRef(options.from ?? this.deps.names.mainBranch));
    return { name, kind: 'tag', commit: created.hash };
  }

  async deleteTag(name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
    validateRefName(name);
    try {
      await this.deps.catalog.deleteTag(name);
      return true;
    } catch (error) {
      if (!isCode(error, 'REF_NOT_FOUND')) throw error;
      if (options.ifExists === true) return false;
      throw new RefNotFoundError(name);
    }
  }

  async getRef(ref: string): Promise<RefInfo> {
    const parsed = parseRefSpec(ref);
    if (parsed.commit !== undefined) {
      const [commit] = await this.deps.catalog.commits(`@${parsed.commit}`, { limit: 1 });
      if (commit === undefined) throw new RefNotFoundError(ref);
      return { name: parsed.name ?? ref, kind: 'branch', commit: commit.hash };
    }
    const resolved = await this.resolveName(parsed.name ?? ref);
    return { name: parsed.name ?? ref, kind: resolved.kind, commit: resolved.hash };
  }

  async listBranches(options: { prefix?: string } = {}): Promise<RefInfo[]> {
    const { names } = this.deps;
    const prefix = options.prefix ?? '';
    const remotePrefix = prefix === '' ? undefined : names.branch(prefix.replace(/\/+$/, '') || prefix);
    const branches = await this.deps.catalog.listBranches(remotePrefix === undefined ? {} : { name: remotePrefix });
    return branches
      .filter((b) => b.name === names.mainBranch || b.name.startsWith(`${names.username}.`))
      .map((b) => ({ name: names.local(b.name), kind: 'branch' as const, commit: b.hash }))
      .filter((b) => b.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async listTags(options: { prefix?: string } = {}): Promise<RefInfo[]> {
    const prefix = options.prefix ?? '';
    const tags = await this.deps.catalog.listTags(prefix === '' ? {} : { name: prefix });
    return tags
      .filter((t) => t.name.startsWith(prefix))
      .map((t) => ({ name: t.name, kind: 'tag' as const, commit: t.hash }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async importData(request: ImportRequest): Promise<ImportResult> {
    try {
      return await importRemote(this.deps, request, this.deps.names.branch(request.branch));
    } catch (error) {
      throw schemaFailure(error, request.table);
    }
  }

  async appendRecords(request: AppendRecordsRequest): Promise<ImportResult> {
    let existing: ColumnInfo[] | undefined;
    try {
      existing = await this.tableSchema(request.table, request.branch);
    } catch (error) {
      if (!isCode(error, 'TABLE_NOT_FOUND')) throw error;
    }
    return this.records.write(request, existing, async (file, folder) => {
      try {
        return await importRemote({ ...this.deps, roots: [folder] }, { table: request.table, source: file, branch: request.branch, mode: 'append' }, this.deps.names.branch(request.branch));
      } catch (error) {
        throw schemaFailure(error, request.table);
      }
    });
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Table> {
    const ref = await this.remoteRef(options.ref ?? this.deps.names.mainBranch);
    return runRemoteQuery(this.deps, sql, ref, options.signal);
  }

  async queryRows(sql: string, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return arrowToRows(await this.query(sql, options));
  }

  async merge(source: string, options: MergeOptions): Promise<MergeResult> {
    const { catalog, names } = this.deps;
    const into = names.branch(options.into);
    const sourceRef = await this.remoteRef(source, { keepName: true });
    const before = await catalog.getBranch(into);
    if (options.expectedHead !== undefined && before.hash !== options.expectedHead) {
      throw new RefChangedError(options.into, options.expectedHead, before.hash);
    }
    const tablesBefore = await catalog.tables(`@${before.hash}`);
    let merged: Awaited<ReturnType<CatalogClient['merge']>>;
    try {
      merged = await catalog.merge(sourceRef, into, {
        message: options.message ?? `merge ${source} into ${options.into}`,
        ...(options.properties === undefined ? {} : { properties: { ...options.properties } }),
      });
    } catch (error) {
      // Bauplan's conflict names the refs, not the tables: work them out.
      if (error instanceof MergeConflictError && error.tables.length === 0) {
        throw new MergeConflictError(source, options.into, await this.tablesChangedOnBoth(sourceRef, before.hash, tablesBefore).catch(() => []));
      }
      throw error;
    }
    if ('sameRef' in merged) return { commit: before.hash, fastForward: false, changed: false, tables: [] };
    const head = merged.ref.hash;
    const tablesAfter = await catalog.tables(`@${head}`);
    const [sourceHead] = await catalog.commits(sourceRef, { limit: 1 });
    return { commit: head, fastForward: sourceHead?.hash === head, changed: true, tables: changedTables(tablesBefore, tablesAfter) };
  }

  /**
   * The tables that both `sourceRef` and the target (at `intoHash`) changed since the newest
   * commit they share, looked for among the last 500 commits of each; none if there is no such commit.
   */
  private async tablesChangedOnBoth(sourceRef: string, intoHash: string, atInto: readonly TableRecord[]): Promise<string[]> {
    const { catalog } = this.deps;
    const [sourceLog, intoLog] = await Promise.all([catalog.commits(sourceRef, { limit: 500 }), catalog.commits(`@${intoHash}`, { limit: 500 })]);
    const onInto = new Set(intoLog.map((commit) => commit.hash));
    const base = sourceLog.find((commit) => onInto.has(commit.hash));
    if (base === undefined) return [];
    const [atBase, atSource] = await Promise.all([catalog.tables(`@${base.hash}`), catalog.tables(sourceRef)]);
    const bySource = new Set(changedTables(atBase, atSource));
    return changedTables(atBase, atInto).filter((table) => bySource.has(table));
  }

  async log(ref: string, options: { limit?: number } = {}): Promise<CommitInfo[]> {
    const commits = await this.deps.catalog.commits(await this.remoteRef(ref), options.limit === undefined ? {} : { limit: options.limit });
    return commits.map((c) => ({
      id: c.hash,
      parents: c.parentHashes,
      message: c.message ?? '',
      author: c.author,
      createdAt: c.authoredAt,
      properties: c.properties,
    }));
  }

  async listTables(ref: string): Promise<TableInfo[]> {
    const tables = await this.deps.catalog.tables(await this.remoteRef(ref));
    return tables
      .map((t) => ({ name: `${t.namespace}.${t.name}`, rows: t.records ?? 0, bytes: t.size ?? 0, metadataLocation: t.metadataLocation }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async tableSchema(table: string, ref: string): Promise<ColumnInfo[]> {
    const name = parseTableName(table);
    const record = await this.deps.catalog.table(await this.remoteRef(ref), name.namespace, name.name);
    return record.fields.map((f) => ({ name: f.name, type: f.type, required: f.required, fieldId: f.id }));
  }

  async close(): Promise<void> {
    this.deps.jobs.close();
    await this.deps.scratch.close();
  }
}

/** Tables whose version differs between two listings of one branch. */
function changedTables(before: readonly TableRecord[], after: readonly TableRecord[]): string[] {
  const key = (t: TableRecord) => `${t.namespace}.${t.name}`;
  const old = new Map(before.map((t) => [key(t), `${t.metadataLocation}|${t.snapshotId ?? ''}`]));
  return after.filter((t) => old.get(key(t)) !== `${t.metadataLocation}|${t.snapshotId ?? ''}`).map(key).sort();
}

/** A failed import job that reports a schema problem is a SCHEMA_MISMATCH, as on the local backend. */
function schemaFailure(error: unknown, table: string): unknown {
  if (!isCode(error, 'JOB_FAILED')) return error;
  const remote = String((error as FloodgateError).details['remoteMessage'] ?? (error as FloodgateError).message);
  if (!/schema|column/i.test(remote)) return error;
  const columns = /columns?:?\s*([a-z_][a-z0-9_]*(?:\s*,\s*[a-z_][a-z0-9_]*)*)\s*$/i.exec(remote)?.[1]?.split(/\s*,\s*/) ?? [];
  return new SchemaMismatchError(table, columns, `Bauplan: ${remote}`);
}
