import type { Table } from 'apache-arrow';

/** What a backend can do; callers branch on these, never on the backend's name. */
export interface Capabilities {
  /** One merge publishes every changed table at once, or none of them. */
  readonly atomicMultiTablePublish: boolean;
  /** Creating a branch copies no data. */
  readonly zeroCopyBranch: boolean;
  /** A merge into an ancestor moves the ref without a merge commit. */
  readonly fastForwardMerge: boolean;
  /** Diverged refs that changed disjoint tables merge with a merge commit. */
  readonly disjointMergeCommits: boolean;
  /** Refs may be pinned to a commit with `name@commit` or `@commit`. */
  readonly commitPinnedRefs: boolean;
  readonly tags: boolean;
  /** Imports may add nullable columns (`schemaPolicy: 'evolve'`); without it a new column is a SCHEMA_MISMATCH. */
  readonly schemaEvolution: boolean;
  /** `merge` honours `expectedHead` atomically; otherwise it is checked just before merging. */
  readonly atomicExpectedHead: boolean;
  /** Commit properties given to imports are recorded (merges always record theirs). */
  readonly importProperties: boolean;
}

export type ImportMode = 'append' | 'replace';
export type SchemaPolicy = 'evolve' | 'freeze';
export type SourceFormat = 'parquet' | 'csv' | 'jsonl';

export interface RefInfo {
  readonly name: string;
  readonly kind: 'branch' | 'tag';
  readonly commit: string;
}

export interface CommitInfo {
  readonly id: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: string;
  /** ISO-8601 time. */
  readonly createdAt: string;
  readonly properties: Readonly<Record<string, string>>;
}

export interface ImportProgress {
  readonly phase: 'resolving' | 'downloading' | 'uploading' | 'writing' | 'committing';
  readonly filesDone?: number;
  readonly filesTotal?: number;
  readonly bytesDone?: number;
}

/**
 * Where a backend keeps what it needs to resume long remote work after a crash, such as the id
 * of a job it submitted. The fleet backs it with the run's ledger record, so a worker that takes
 * over a stalled run resumes the same job instead of submitting a second one.
 */
export interface WorkCheckpoint {
  get(key: string): string | undefined;
  set(key: string, value: string | undefined): Promise<void>;
}

export interface ImportRequest {
  /** `namespace.table` */
  readonly table: string;
  /** A local path or glob (`file://` or plain), or `s3://bucket/prefix/*.parquet`. */
  readonly source: string;
  readonly branch: string;
  readonly mode?: ImportMode;
  readonly schemaPolicy?: SchemaPolicy;
  /** Inferred from the file extension when absent. */
  readonly format?: SourceFormat;
  readonly message?: string;
  readonly author?: string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Backends that run imports as remote jobs record and resume them here. */
  readonly checkpoint?: WorkCheckpoint;
  /**
   * The files the source must still name, as `uri|size|version` fingerprints (a run's, taken at
   * enqueue). A file added under a glob since, or one changed or gone, fails the import with
   * SOURCE_CHANGED instead of being loaded unrecorded. Both backends check the listing; Bauplan
   * then reads an S3 glob itself, so a file landing in the moments between is not caught there.
   */
  readonly expectedFiles?: readonly string[];
  /**
   * The commit the branch must still be at: another writer's commit on the branch meanwhile fails
   * the import with RefChangedError instead of landing both. The local backend checks it in the
   * import's own commit; Bauplan before a fresh import starts (not when resuming its jobs).
   */
  readonly expectedHead?: string;
}

export interface ImportResult {
  readonly table: string;
  readonly rows: number;
  readonly files: number;
  readonly bytes: number;
  readonly commit: string;
  /** Columns this import added to the table (evolve policy). */
  readonly addedColumns: readonly string[];
  /** True when this import created the table. */
  readonly created: boolean;
}

export interface AppendRecordsRequest {
  /** `namespace.table`; created on first use with the schema the records imply. */
  readonly table: string;
  readonly branch: string;
  /**
   * Flat records: strings, numbers, booleans, Dates (stored as timestamptz) and nulls; serialize
   * nested values first. Types come from the values, never guessed from strings.
   */
  readonly records: ReadonlyArray<Readonly<Record<string, string | number | boolean | Date | null>>>;
  readonly message?: string;
  readonly author?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

export interface MergeOptions {
  readonly into: string;
  /** The merge fails with RefChangedError unless `into` is at this commit. */
  readonly expectedHead?: string;
  readonly message?: string;
  readonly author?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

export interface MergeResult {
  /** The head of `into` after the merge. */
  readonly commit: string;
  /** True when `into` was an ancestor of the source, so no content had to be merged. */
  readonly fastForward: boolean;
  /** False when the source was already contained in `into`. */
  readonly changed: boolean;
  /** Tables whose version on `into` changed. */
  readonly tables: readonly string[];
  /** Tables whose source writes were rebased onto a compacted or expired version (local backend); absent when none. */
  readonly rebased?: readonly string[];
}

export interface CompactOptions {
  /** The branch whose table version is rewritten, as one commit on it; default `main`. */
  readonly branch?: string;
  /** Only live data files smaller than this many bytes are rewritten (larger ones stay as they are); default: all. */
  readonly smallerThanBytes?: number;
  /** Nothing is rewritten while the table has fewer such files than this; default 2. */
  readonly minFiles?: number;
  readonly message?: string;
  readonly author?: string;
  readonly signal?: AbortSignal;
  /** Runs after the rewrite, right before the commit, only when there is one to make; throwing cancels it (a fencing check). */
  readonly beforeCommit?: () => Promise<void>;
}

export interface CompactResult {
  readonly table: string;
  /** The new head of the branch, when the table was rewritten. */
  readonly commit?: string;
  /**
   * `compacted`; `skipped` when the table had fewer than `minFiles` files to rewrite; `changed` when another
   * commit removed files being rewritten meanwhile (nothing was committed; commits that only added
   * files are kept, the replace made again on top of them).
   */
  readonly outcome: 'compacted' | 'skipped' | 'changed';
  /** Rows, files and bytes of the table (all its live files, rewritten or not). */
  readonly rows: number;
  readonly filesBefore: number;
  readonly filesAfter: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** How many of the files were rewritten. */
  readonly filesRewritten: number;
}

export interface ExpireSnapshotsOptions {
  /** The branch whose table version is trimmed, as one commit on it; default `main`. */
  readonly branch?: string;
  /** Snapshots made this long ago or earlier may go (milliseconds); default 7 days. */
  readonly olderThanMs?: number;
  /** The newest snapshots of the current lineage always stay, however old; default 1 (the current one). */
  readonly retainLast?: number;
  /** Nothing is committed while fewer snapshots than this would go; default 1. */
  readonly minSnapshots?: number;
  /** Report what would go, commit nothing. */
  readonly dryRun?: boolean;
  readonly message?: string;
  readonly author?: string;
  /** Runs right before the commit, only when there is one to make; throwing cancels it (a fencing check). */
  readonly beforeCommit?: () => Promise<void>;
  /** The clock, in milliseconds since the epoch (tests). */
  readonly now?: number;
}

export interface ExpireSnapshotsResult {
  readonly table: string;
  /** `expired` (in a dry run: would be); `skipped` when fewer than `minSnapshots` snapshots were old enough to go. */
  readonly outcome: 'expired' | 'skipped';
  /** The new head of the branch, when snapshots were expired (not in a dry run). */
  readonly commit?: string;
  readonly snapshotsBefore: number;
  readonly snapshotsAfter: number;
}

export interface RemoveOrphanFilesOptions {
  /**
   * History kept readable (milliseconds): every ref's head, and every commit made within this
   * window that a ref reaches; default 7 days. Older commits can no longer be read or branched from.
   */
  readonly olderThanMs?: number;
  /** Unreferenced files younger than this stay, since a write may not have committed yet; default 3 days. */
  readonly minAgeMs?: number;
  /** Report what would go, delete nothing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { readonly phase: 'catalog' | 'reading' | 'listing' | 'deleting'; readonly done?: number; readonly total?: number }) => void;
  /** The clock, in milliseconds since the epoch (tests). */
  readonly now?: number;
}

export interface RemoveOrphanFilesResult {
  /** Commits made before this time (ISO-8601) are no longer readable unless a ref points at them. */
  readonly expiredBefore: string;
  readonly dryRun: boolean;
  /** Commits whose tables were kept readable. */
  readonly commitsRetained: number;
  /** Files the retained table versions reference (metadata, manifest lists, manifests, data). */
  readonly filesReferenced: number;
  /** Files found in the warehouse. */
  readonly filesScanned: number;
  /** Unreferenced files deleted (or, in a dry run, that would be). */
  readonly filesDeleted: number;
  readonly bytesDeleted: number;
  /** Unreferenced files kept because they are younger than `minAgeMs`. */
  readonly filesTooYoung: number;
  /** Up to 20 of the deleted paths. */
  readonly sample: readonly string[];
}

export interface TableInfo {
  /** `namespace.table` */
  readonly name: string;
  readonly rows: number;
  /** Data files, where the backend reports them. */
  readonly files?: number;
  readonly bytes: number;
  /** Iceberg metadata file of this version, where the backend has one. */
  readonly metadataLocation?: string;
}

export interface ColumnInfo {
  readonly name: string;
  /** Iceberg type name, e.g. `long`, `string`, `timestamp`, `decimal(10, 2)`. */
  readonly type: string;
  readonly required: boolean;
  readonly fieldId?: number;
}

export interface QueryOptions {
  /** `branch`, `tag`, `name@commit` or `@commit`; defaults to `main`. */
  readonly ref?: string;
  readonly signal?: AbortSignal;
}

/**
 * The lakehouse seen by Floodgate: git-like refs over tables. Both backends implement it and
 * pass the same contract suite (test/contract/).
 */
export interface Lakehouse {
  readonly backend: string;
  readonly capabilities: Capabilities;

  createBranch(name: string, options?: { from?: string }): Promise<RefInfo>;
  deleteBranch(name: string, options?: { ifExists?: boolean }): Promise<boolean>;
  createTag(name: string, options?: { from?: string }): Promise<RefInfo>;
  deleteTag(name: string, options?: { ifExists?: boolean }): Promise<boolean>;
  /** Resolves a ref spec (see QueryOptions.ref) to its commit. */
  getRef(ref: string): Promise<RefInfo>;
  listBranches(options?: { prefix?: string }): Promise<RefInfo[]>;
  listTags(options?: { prefix?: string }): Promise<RefInfo[]>;

  importData(request: ImportRequest): Promise<ImportResult>;
  /** Appends a few records Floodgate itself produces (audit history, bookkeeping) as one commit. */
  appendRecords(request: AppendRecordsRequest): Promise<ImportResult>;
  query(sql: string, options?: QueryOptions): Promise<Table>;
  queryRows(sql: string, options?: QueryOptions): Promise<Record<string, unknown>[]>;
  /**
   * Merges `source` into `options.into` atomically. Fails with MergeConflictError when both sides
   * changed a table since their common ancestor; the local backend makes one exception: where the
   * target side only compacted the table or expired its snapshots (no row changed), the source's
   * appends or overwrite are rebased onto the target's version, and the commit lists those tables
   * in `floodgate.rebased-tables` (MergeResult.rebased).
   */
  merge(source: string, options: MergeOptions): Promise<MergeResult>;

  log(ref: string, options?: { limit?: number }): Promise<CommitInfo[]>;
  listTables(ref: string): Promise<TableInfo[]>;
  tableSchema(table: string, ref: string): Promise<ColumnInfo[]>;
  /**
   * Rewrites a table's live data files on a branch into as few files as the target size allows,
   * as one commit that changes no row (backends that manage file layout themselves omit it).
   */
  compactTable?(table: string, options?: CompactOptions): Promise<CompactResult>;
  /**
   * Drops a table's snapshots older than a window from its version on a branch (Iceberg's
   * expire_snapshots), as one commit that changes no row, so new table versions stop listing them.
   */
  expireSnapshots?(table: string, options?: ExpireSnapshotsOptions): Promise<ExpireSnapshotsResult>;
  /**
   * Deletes the files no retained commit's table versions reference: those of deleted branches,
   * failed writes, and history older than the window (Iceberg's remove_orphan_files).
   */
  removeOrphanFiles?(options?: RemoveOrphanFilesOptions): Promise<RemoveOrphanFilesResult>;

  close(): Promise<void>;
}
