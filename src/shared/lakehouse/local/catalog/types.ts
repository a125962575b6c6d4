/**
 * The local backend's catalog: refs, commits and each commit's table pointers, kept in SQLite
 * or PostgreSQL. Every ref move is a compare-and-swap inside one SQL transaction.
 */

export interface TablePointer {
  /** `namespace.table` */
  readonly table: string;
  /** Absolute location of this table version's Iceberg metadata JSON. */
  readonly metadataLocation: string;
}

export interface CommitRecord {
  /** 32 lower-case hex characters. */
  readonly id: string;
  /** First parent first. Empty only for the root commit. */
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: string;
  /** ISO-8601 time. */
  readonly createdAt: string;
  readonly properties: Readonly<Record<string, string>>;
  /** 0 for the root commit, else 1 + the largest parent generation. */
  readonly generation: number;
}

export type RefKind = 'branch' | 'tag';

export interface RefRecord {
  readonly name: string;
  readonly kind: RefKind;
  readonly commitId: string;
}

export interface TableChange {
  readonly table: string;
  /** The new version, or null to drop the table. */
  readonly metadataLocation: string | null;
  /**
   * The version the writer built on (null: the table did not exist). The commit fails with
   * TableChangedError when the branch's current pointer differs.
   */
  readonly basedOn: string | null;
}

export interface CommitToBranchInput {
  readonly branch: string;
  /** The head the branch must be at, else RefChangedError (nothing committed). */
  readonly expectedHead?: string;
  readonly changes: readonly TableChange[];
  readonly message: string;
  readonly author: string;
  readonly properties?: Readonly<Record<string, string>>;
}

export interface CatalogMergeInput {
  /** The commit to merge (already resolved from a ref spec). */
  readonly sourceCommit: string;
  /** Used in messages and errors only. */
  readonly sourceLabel: string;
  readonly into: string;
  readonly expectedHead?: string;
  readonly message?: string;
  readonly author: string;
  readonly properties?: Readonly<Record<string, string>>;
  /** Tables both sides changed that the caller resolved (see ResolvedTable). */
  readonly resolved?: readonly ResolvedTable[];
}

/**
 * A table both sides of a merge changed, given a new version by the caller. It is used only
 * while the branch merged into still holds `ours` and the source `theirs`; otherwise the table
 * is a conflict again.
 */
export interface ResolvedTable {
  readonly table: string;
  readonly ours: string;
  readonly theirs: string;
  readonly metadataLocation: string;
}

export interface CatalogMergeResult {
  readonly commit: CommitRecord;
  readonly fastForward: boolean;
  readonly changed: boolean;
  readonly tables: readonly string[];
}

export interface Catalog {
  getRef(name: string, kind?: RefKind): Promise<RefRecord | undefined>;
  listRefs(options?: { kind?: RefKind; prefix?: string }): Promise<RefRecord[]>;
  /** A full id, or a unique prefix of at least 8 characters. */
  getCommit(idOrPrefix: string): Promise<CommitRecord | undefined>;
  /** Ancestors of `commitId`, itself first, newest generation first. */
  log(commitId: string, limit: number): Promise<CommitRecord[]>;
  tablesAt(commitId: string): Promise<TablePointer[]>;
  tableAt(commitId: string, table: string): Promise<TablePointer | undefined>;

  createRef(name: string, kind: RefKind, commitId: string): Promise<RefRecord>;
  deleteRef(name: string, kind: RefKind, options?: { ifExists?: boolean }): Promise<boolean>;
  commitToBranch(input: CommitToBranchInput): Promise<CommitRecord>;
  merge(input: CatalogMergeInput): Promise<CatalogMergeResult>;

  /**
   * The commits kept readable when history before `cutoff` (ISO-8601) expires (every ref head,
   * and the commits refs reach through commits made at or after it), and the table versions
   * they point to.
   */
  retainedVersions(cutoff: string): Promise<{ commits: number; metadataLocations: string[] }>;
  /** History made before this time (ISO-8601) may have expired; undefined when it never has. */
  expiredBefore(): Promise<string | undefined>;
  /** Moves the expiry mark forward (never back). */
  markExpiredBefore(cutoff: string): Promise<void>;
  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  isAncestor(ancestor: CommitRecord, descendant: CommitRecord): Promise<boolean>;
  /** True when some branch or tag points at the commit. */
  isRefHead(commitId: string): Promise<boolean>;

  close(): Promise<void>;
}
