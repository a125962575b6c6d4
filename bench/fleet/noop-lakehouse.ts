import { Table } from 'apache-arrow';
import { RefChangedError, RefExistsError, RefNotFoundError } from '../../src/shared/lakehouse/errors.js';
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
  RefInfo,
  TableInfo,
} from '../../src/shared/lakehouse/lakehouse.js';

const CAPABILITIES: Capabilities = {
  atomicMultiTablePublish: true,
  zeroCopyBranch: true,
  fastForwardMerge: true,
  disjointMergeCommits: true,
  commitPinnedRefs: true,
  tags: false,
  schemaEvolution: true,
  atomicExpectedHead: true,
  importProperties: true,
};

const SCHEMA: readonly ColumnInfo[] = [{ name: 'id', type: 'long', required: false, fieldId: 1 }];

/**
 * An in-memory lakehouse whose every call is instant: refs and commits in maps, imports that
 * read nothing, and queries answered without data. It keeps the semantics the fleet relies on
 * (refs move, `name@commit` resolves, `log` walks first parents with properties, merge with a
 * stale `expectedHead` throws RefChangedError), so the orchestration runs its real code paths.
 *
 * Queries: with `checks: []` the audit still runs the default `row_count >= 1` check as one
 * fused scan, `SELECT count(*) AS "a0" FROM ...`; every `AS "aN"` alias is answered with 1.
 */
export class NoopLakehouse implements Lakehouse {
  readonly backend = 'bench-noop';
  readonly capabilities = CAPABILITIES;
  readonly #refs = new Map<string, string>();
  readonly #commits = new Map<string, CommitInfo>();
  readonly #tables = new Set<string>();
  #next = 0;

  constructor() {
    this.#refs.set('main', this.#commit([], 'init', {}));
  }

  #commit(parents: readonly string[], message: string, properties: Readonly<Record<string, string>>): string {
    const id = `c${(++this.#next).toString(16).padStart(15, '0')}`;
    this.#commits.set(id, { id, parents, message, author: 'bench', createdAt: new Date().toISOString(), properties });
    return id;
  }

  #resolve(ref: string): string {
    const at = ref.indexOf('@');
    if (at >= 0) {
      const commit = ref.slice(at + 1);
      if (!this.#commits.has(commit)) throw new RefNotFoundError(ref);
      return commit;
    }
    const commit = this.#refs.get(ref);
    if (commit === undefined) throw new RefNotFoundError(ref);
    return commit;
  }

  async createBranch(name: string, options: { from?: string } = {}): Promise<RefInfo> {
    if (this.#refs.has(name)) throw new RefExistsError(name);
    const commit = this.#resolve(options.from ?? 'main');
    this.#refs.set(name, commit);
    return { name, kind: 'branch', commit };
  }

  async deleteBranch(name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
    if (this.#refs.delete(name)) return true;
    if (options.ifExists === true) return false;
    throw new RefNotFoundError(name);
  }

  async createTag(name: string): Promise<RefInfo> {
    throw new Error(`the no-op lakehouse has no tags (${name})`);
  }

  async deleteTag(): Promise<boolean> {
    return false;
  }

  async getRef(ref: string): Promise<RefInfo> {
    return { name: ref, kind: 'branch', commit: this.#resolve(ref) };
  }

  async listBranches(options: { prefix?: string } = {}): Promise<RefInfo[]> {
    const prefix = options.prefix ?? '';
    return [...this.#refs].filter(([name]) => name.startsWith(prefix)).map(([name, commit]) => ({ name, kind: 'branch', commit }));
  }

  async listTags(): Promise<RefInfo[]> {
    return [];
  }

  #append(table: string, branch: string, operation: string, properties: Readonly<Record<string, string>> = {}): ImportResult {
    const head = this.#resolve(branch);
    const created = !this.#tables.has(table);
    this.#tables.add(table);
    const commit = this.#commit([head], `${operation} ${table}`, { ...properties, 'floodgate.operation': operation });
    this.#refs.set(branch, commit);
    return { table, rows: 1, files: 1, bytes: 1, commit, addedColumns: [], created };
  }

  async importData(request: ImportRequest): Promise<ImportResult> {
    return this.#append(request.table, request.branch, 'import', request.properties);
  }

  async appendRecords(request: AppendRecordsRequest): Promise<ImportResult> {
    return this.#append(request.table, request.branch, 'append', request.properties);
  }

  async query(): Promise<Table> {
    return new Table();
  }

  async queryRows(sql: string): Promise<Record<string, unknown>[]> {
    const row: Record<string, unknown> = {};
    for (const match of sql.matchAll(/\bAS "?(a\d+)"?/g)) row[match[1] as string] = 1;
    return [row];
  }

  async merge(source: string, options: MergeOptions): Promise<MergeResult> {
    const from = this.#resolve(source);
    const head = this.#resolve(options.into);
    if (options.expectedHead !== undefined && options.expectedHead !== head) throw new RefChangedError(options.into, options.expectedHead, head);
    const fastForward = this.#commits.get(from)?.parents.includes(head) === true;
    const commit = fastForward ? from : this.#commit([head, from], options.message ?? `merge ${source}`, { ...options.properties });
    this.#refs.set(options.into, commit);
    return { commit, fastForward, changed: true, tables: [] };
  }

  async log(ref: string, options: { limit?: number } = {}): Promise<CommitInfo[]> {
    const out: CommitInfo[] = [];
    let id: string | undefined = this.#resolve(ref);
    while (id !== undefined && out.length < (options.limit ?? 100)) {
      const info = this.#commits.get(id);
      if (info === undefined) break;
      out.push(info);
      id = info.parents[0];
    }
    return out;
  }

  async listTables(): Promise<TableInfo[]> {
    return [...this.#tables].map((name) => ({ name, rows: 1, files: 1, bytes: 1 }));
  }

  async tableSchema(): Promise<ColumnInfo[]> {
    return [...SCHEMA];
  }

  async close(): Promise<void> {}
}
