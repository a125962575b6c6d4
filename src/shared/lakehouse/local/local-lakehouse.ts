import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Table } from 'apache-arrow';
import type { LakehouseConfig } from '../../config/index.js';
import type { Catalog } from './catalog/index.js';
import { currentSchema, liveDataFiles, readTableMetadata, tableSummary, type FileIO } from './iceberg/index.js';
import { InvalidInputError, TableNotFoundError } from '../errors.js';
import type {
  AppendRecordsRequest,
  Capabilities,
  ColumnInfo,
  CommitInfo,
  CompactOptions,
  CompactResult,
  ExpireSnapshotsOptions,
  ExpireSnapshotsResult,
  ImportRequest,
  ImportResult,
  Lakehouse,
  MergeOptions,
  MergeResult,
  QueryOptions,
  RefInfo,
  RemoveOrphanFilesOptions,
  RemoveOrphanFilesResult,
  TableInfo,
} from '../lakehouse.js';
import { parseTableName, validateRefName } from '../names.js';
import { Duck } from './engine/duck.js';
import { recordColumnTypes } from './engine/records.js';
import { runReadOnlyQuery, type BoundTable } from './engine/query.js';
import { toArrowTable, toRows } from './engine/results.js';
import { compactTable } from './compact.js';
import { expireSnapshots } from './expire.js';
import { removeOrphanFiles } from './orphans.js';
import { mergeRebasing } from './rebase.js';
import { importData, type ImporterDeps } from './importer.js';
import { requireRef, resolveRef, toCommitInfo, toRefInfo } from './refs.js';
import type { ObjectStore } from '../../sources/index.js';

export const LOCAL_CAPABILITIES: Capabilities = Object.freeze({
  atomicMultiTablePublish: true,
  zeroCopyBranch: true,
  fastForwardMerge: true,
  disjointMergeCommits: true,
  commitPinnedRefs: true,
  tags: true,
  schemaEvolution: true,
  atomicExpectedHead: true,
  importProperties: true,
});

export interface LocalLakehouseDeps {
  readonly config: LakehouseConfig;
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly objectStore: () => ObjectStore;
  readonly cwd: string;
}

/** The embedded lakehouse: a git-like catalog over Iceberg tables, queried with DuckDB. */
export class LocalLakehouse implements Lakehouse {
  readonly backend = 'local';
  readonly capabilities = LOCAL_CAPABILITIES;
  private reader: Promise<Duck> | undefined;
  private writer: Promise<Duck> | undefined;

  private readonly deps: LocalLakehouseDeps;

  constructor(deps: LocalLakehouseDeps) {
    this.deps = deps;
  }

  private duck(kind: 'reader' | 'writer'): Promise<Duck> {
    const { config } = this.deps;
    const tempDirectory = path.join(config.home, 'tmp', `duckdb-${kind}`);
    if (kind === 'reader') {
      this.reader ??= Duck.open({
        memoryLimitBytes: config.duckdbMemoryLimitBytes,
        threads: config.duckdbThreads,
        tempDirectory,
        allowedDirectories: [config.warehouse],
      });
      return this.reader;
    }
    this.writer ??= Duck.open({
      memoryLimitBytes: config.duckdbMemoryLimitBytes,
      threads: config.duckdbThreads,
      tempDirectory,
      allowedDirectories: [
        config.warehouse,
        path.join(config.home, 'staging'),
        ...config.sourceRoots.filter((root) => !root.startsWith('s3://')),
      ],
    });
    return this.writer;
  }

  async createBranch(name: string, options: { from?: string } = {}): Promise<RefInfo> {
    validateRefName(name);
    const from = await resolveRef(this.deps.catalog, options.from ?? 'main');
    return toRefInfo(await this.deps.catalog.createRef(name, 'branch', from.commit.id));
  }

  async deleteBranch(name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
    return this.deps.catalog.deleteRef(validateRefName(name), 'branch', options);
  }

  async createTag(name: string, options: { from?: string } = {}): Promise<RefInfo> {
    validateRefName(name);
    const from = await resolveRef(this.deps.catalog, options.from ?? 'main');
    return toRefInfo(await this.deps.catalog.createRef(name, 'tag', from.commit.id));
  }

  async deleteTag(name: string, options: { ifExists?: boolean } = {}): Promise<boolean> {
    return this.deps.catalog.deleteRef(validateRefName(name), 'tag', options);
  }

  async getRef(ref: string): Promise<RefInfo> {
    const resolved = await resolveRef(this.deps.catalog, ref, { readsTables: false });
    return { name: resolved.ref?.name ?? ref, kind: resolved.ref?.kind ?? 'branch', commit: resolved.commit.id };
  }

  async listBranches(options: { prefix?: string } = {}): Promise<RefInfo[]> {
    return (await this.deps.catalog.listRefs({ kind: 'branch', ...options })).map(toRefInfo);
  }

  async listTags(options: { prefix?: string } = {}): Promise<RefInfo[]> {
    return (await this.deps.catalog.listRefs({ kind: 'tag', ...options })).map(toRefInfo);
  }

  importData(request: ImportRequest): Promise<ImportResult> {
    return importData(this.importerDeps(), request);
  }

  async appendRecords(request: AppendRecordsRequest): Promise<ImportResult> {
    if (request.records.length === 0) throw new InvalidInputError('appendRecords needs at least one record');
    const deps = this.importerDeps();
    const folder = path.join(deps.stagingRoot, `records-${crypto.randomUUID()}`);
    const file = path.join(folder, 'records.jsonl');
    await fs.mkdir(folder, { recursive: true });
    try {
      await fs.writeFile(file, request.records.map((record) => JSON.stringify(record)).join('\n'));
      return await importData(
        { ...deps, sourceRoots: [folder] },
        {
          table: request.table,
          branch: request.branch,
          source: file,
          format: 'jsonl',
          mode: 'append',
          schemaPolicy: 'evolve',
          ...(request.message === undefined ? {} : { message: request.message }),
          ...(request.author === undefined ? {} : { author: request.author }),
          ...(request.properties === undefined ? {} : { properties: request.properties }),
        },
        { jsonColumns: (existing) => recordColumnTypes(request.records, existing) },
      );
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }

  compactTable(table: string, options: CompactOptions = {}): Promise<CompactResult> {
    return compactTable(this.importerDeps(), table, options);
  }

  expireSnapshots(table: string, options: ExpireSnapshotsOptions = {}): Promise<ExpireSnapshotsResult> {
    return expireSnapshots(this.importerDeps(), table, options);
  }

  removeOrphanFiles(options: RemoveOrphanFilesOptions = {}): Promise<RemoveOrphanFilesResult> {
    return removeOrphanFiles({ catalog: this.deps.catalog, io: this.deps.io, warehouse: this.deps.config.warehouse }, options);
  }

  private importerDeps(): ImporterDeps {
    const { config } = this.deps;
    return {
      catalog: this.deps.catalog,
      io: this.deps.io,
      writer: () => this.duck('writer'),
      objectStore: this.deps.objectStore,
      warehouse: config.warehouse,
      stagingRoot: path.join(config.home, 'staging'),
      sourceRoots: config.sourceRoots,
      targetFileSizeBytes: config.targetFileSizeBytes,
      author: config.author,
      cwd: this.deps.cwd,
    };
  }

  private async run(sql: string, options: QueryOptions) {
    if (sql.trim() === '') throw new InvalidInputError('the query is empty');
    const at = await resolveRef(this.deps.catalog, options.ref ?? 'main');
    const bind = async (names: ReadonlyArray<{ namespace: string; name: string }>) => ({
      commit: at.commit.id,
      tables: await Promise.all(
        names.map(async ({ namespace, name }) => {
          const table = parseTableName(`${namespace}.${name}`);
          const pointer = await this.deps.catalog.tableAt(at.commit.id, table.qualified);
          if (pointer === undefined) throw new TableNotFoundError(table.qualified, at.label);
          const metadata = await readTableMetadata(this.deps.io, pointer.metadataLocation);
          const files = await liveDataFiles(this.deps.io, metadata);
          return {
            namespace,
            name,
            files: files.map((f) => f.path),
            fields: currentSchema(metadata).fields,
            singleSchema: metadata.schemas.length === 1,
          } satisfies BoundTable;
        }),
      ),
    });
    return runReadOnlyQuery(await this.duck('reader'), sql, bind, options.signal);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Table> {
    return toArrowTable(await this.run(sql, options));
  }

  async queryRows(sql: string, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    return toRows(await this.run(sql, options));
  }

  async merge(source: string, options: MergeOptions): Promise<MergeResult> {
    const from = await resolveRef(this.deps.catalog, source);
    const into = validateRefName(options.into);
    await requireRef(this.deps.catalog, into, 'branch');
    const result = await mergeRebasing(this.deps.catalog, this.deps.io, {
      sourceCommit: from.commit.id,
      sourceLabel: source,
      into,
      ...(options.expectedHead === undefined ? {} : { expectedHead: options.expectedHead }),
      ...(options.message === undefined ? {} : { message: options.message }),
      author: options.author ?? this.deps.config.author,
      ...(options.properties === undefined ? {} : { properties: options.properties }),
    });
    return {
      commit: result.commit.id,
      fastForward: result.fastForward,
      changed: result.changed,
      tables: result.tables,
      ...(result.rebased.length === 0 ? {} : { rebased: result.rebased }),
    };
  }

  async log(ref: string, options: { limit?: number } = {}): Promise<CommitInfo[]> {
    const at = await resolveRef(this.deps.catalog, ref, { readsTables: false });
    return (await this.deps.catalog.log(at.commit.id, options.limit ?? 50)).map(toCommitInfo);
  }

  async listTables(ref: string): Promise<TableInfo[]> {
    const at = await resolveRef(this.deps.catalog, ref);
    const pointers = await this.deps.catalog.tablesAt(at.commit.id);
    return Promise.all(
      pointers.map(async (pointer) => {
        const metadata = await readTableMetadata(this.deps.io, pointer.metadataLocation);
        return { name: pointer.table, ...tableSummary(metadata), metadataLocation: pointer.metadataLocation };
      }),
    );
  }

  async tableSchema(table: string, ref: string): Promise<ColumnInfo[]> {
    const name = parseTableName(table);
    const at = await resolveRef(this.deps.catalog, ref);
    const pointer = await this.deps.catalog.tableAt(at.commit.id, name.qualified);
    if (pointer === undefined) throw new TableNotFoundError(name.qualified, ref);
    const metadata = await readTableMetadata(this.deps.io, pointer.metadataLocation);
    return currentSchema(metadata).fields.map((f) => ({ name: f.name, type: f.type, required: f.required, fieldId: f.id }));
  }

  async close(): Promise<void> {
    const ducks = await Promise.allSettled([this.reader, this.writer]);
    for (const duck of ducks) if (duck.status === 'fulfilled') duck.value?.close();
    await this.deps.catalog.close();
  }
}

