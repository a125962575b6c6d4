import fs from 'node:fs/promises';
import path from 'node:path';
import { FloodgateError } from '../../errors/index.js';
import { commitSnapshot, currentSchema, liveDataFiles, readTableMetadata, type LiveDataFile, type TableMetadata } from './iceberg/index.js';
import type { CompactOptions, CompactResult } from '../lakehouse.js';
import { InvalidInputError, TableChangedError, TableNotFoundError } from '../errors.js';
import { parseTableName, validateRefName, type TableName } from '../names.js';
import { tableScanSql } from './engine/query.js';
import { writeDataFiles, type WrittenData } from './engine/write.js';
import type { ImporterDeps } from './importer.js';
import { requireRef } from './refs.js';

export type CompactDeps = Pick<ImporterDeps, 'catalog' | 'io' | 'writer' | 'targetFileSizeBytes' | 'author'>;

const COMMIT_ATTEMPTS = 8;

/** A table version on a branch: its pointer, metadata and live data files. */
interface Version {
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
  readonly files: readonly LiveDataFile[];
}

async function versionAt(deps: CompactDeps, table: TableName, branch: string): Promise<Version> {
  const head = await requireRef(deps.catalog, branch, 'branch');
  const pointer = await deps.catalog.tableAt(head.commitId, table.qualified);
  if (pointer === undefined) throw new TableNotFoundError(table.qualified, branch);
  const metadata = await readTableMetadata(deps.io, pointer.metadataLocation);
  return { metadataLocation: pointer.metadataLocation, metadata, files: await liveDataFiles(deps.io, metadata) };
}

function totals(files: readonly LiveDataFile[]): { files: number; rows: number; bytes: number } {
  return { files: files.length, rows: files.reduce((sum, f) => sum + f.recordCount, 0), bytes: files.reduce((sum, f) => sum + f.fileSizeInBytes, 0) };
}

/**
 * Compaction: the table version's live files (or those smaller than `smallerThanBytes`) are read
 * through its current schema (columns matched by field id, so evolved tables keep every value)
 * and written again as files of the target size, then committed as an Iceberg `replace`
 * snapshot, which keeps every other file, with a compare-and-swap on the table version.
 *
 * If other commits changed the table meanwhile but every rewritten file is still live (they
 * only added files, as appends and history records do), the replace is made again on top of
 * the new version: it swaps the same files for the same rows, so nothing the others wrote is
 * lost, and a busy table still gets compacted. If any rewritten file is gone (a replace or an
 * overwrite), the rewrite is dropped and `changed` returned. Old files stay, so earlier commits
 * still read; nothing is expired.
 */
export async function compactTable(deps: CompactDeps, tableName: string, options: CompactOptions = {}): Promise<CompactResult> {
  const table = parseTableName(tableName);
  const branch = validateRefName(options.branch ?? 'main');
  const minFiles = options.minFiles ?? 2;
  if (!Number.isSafeInteger(minFiles) || minFiles < 2) throw new InvalidInputError(`minFiles must be an integer of at least 2, got ${minFiles}`);
  const smallerThan = options.smallerThanBytes ?? Number.POSITIVE_INFINITY;
  if (!(smallerThan > 0)) throw new InvalidInputError(`smallerThanBytes must be positive, got ${smallerThan}`);

  const read = await versionAt(deps, table, branch);
  const chosen = read.files.filter((f) => f.fileSizeInBytes < smallerThan);
  const fields = currentSchema(read.metadata).fields;
  const select = tableScanSql({ files: chosen.map((f) => f.path), fields, singleSchema: read.metadata.schemas.length === 1 });
  const unchanged = (version: Version, outcome: 'skipped' | 'changed'): CompactResult => {
    const all = totals(version.files);
    return { table: table.qualified, outcome, rows: all.rows, filesBefore: all.files, filesAfter: all.files, bytesBefore: all.bytes, bytesAfter: all.bytes, filesRewritten: 0 };
  };
  if (chosen.length < minFiles || select === undefined) return unchanged(read, 'skipped');

  const written = await writeDataFiles({
    duck: await deps.writer(),
    table: table.qualified,
    from: { select, label: `${table.qualified} on ${branch}` },
    existing: { fields, lastColumnId: read.metadata['last-column-id'] },
    policy: 'freeze',
    dataDir: path.join(read.metadata.location, 'data'),
    targetFileSizeBytes: deps.targetFileSizeBytes,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const dropWritten = async () => {
    const folders = new Set(written.dataFiles.map((f) => path.dirname(f.path)));
    await Promise.all([...folders].map((folder) => fs.rm(folder, { recursive: true, force: true })));
  };
  const rewritten = totals(chosen);
  if (written.rows !== rewritten.rows) {
    await dropWritten();
    throw new FloodgateError('INTERNAL', `compacting ${table.qualified} read ${written.rows} rows where its files hold ${rewritten.rows}; nothing was committed`);
  }

  let version = read;
  for (let attempt = 1; ; attempt++) {
    const outcome = await commitReplace(deps, { table, branch, version, chosen, written, dropWritten }, options).catch((error: unknown) => {
      if (!(error instanceof TableChangedError)) throw error;
      return 'changed' as const;
    });
    if (outcome !== 'changed') {
      const all = totals(version.files);
      return {
        table: table.qualified,
        outcome: 'compacted',
        commit: outcome.commit,
        rows: all.rows,
        filesBefore: all.files,
        filesAfter: all.files - chosen.length + written.dataFiles.length,
        bytesBefore: all.bytes,
        bytesAfter: all.bytes - rewritten.bytes + written.bytes,
        filesRewritten: chosen.length,
      };
    }
    version = await versionAt(deps, table, branch);
    const live = new Set(version.files.map((f) => f.path));
    if (attempt >= COMMIT_ATTEMPTS || !chosen.every((f) => live.has(f.path))) {
      await dropWritten();
      return unchanged(version, 'changed');
    }
  }
}

/**
 * Commits the replace of `chosen` by the written files on top of `version`. TableChangedError
 * when the table moved past `version`. The written files are deleted when the commit surely did
 * not happen (stopped, fenced off, or the metadata could not be written); after any other catalog
 * failure they stay, since the catalog may have taken the commit (a lost connection).
 */
async function commitReplace(
  deps: CompactDeps,
  replace: {
    readonly table: TableName;
    readonly branch: string;
    readonly version: Version;
    readonly chosen: readonly LiveDataFile[];
    readonly written: WrittenData;
    readonly dropWritten: () => Promise<void>;
  },
  options: CompactOptions,
): Promise<{ commit: string }> {
  const { table, branch, version, chosen, written } = replace;
  let next: Awaited<ReturnType<typeof commitSnapshot>>;
  try {
    // Stopped, or the caller's claim is gone, after the rewrite: commit nothing.
    options.signal?.throwIfAborted();
    await options.beforeCommit?.();
    next = await commitSnapshot({
      io: deps.io,
      metadata: version.metadata,
      metadataLocation: version.metadataLocation,
      operation: 'replace',
      addedFiles: written.dataFiles,
      replacedFiles: chosen.map((f) => f.path),
      summary: { 'floodgate.compacted-files': String(chosen.length) },
    });
  } catch (error) {
    await replace.dropWritten();
    throw error;
  }
  const filesAfter = version.files.length - chosen.length + written.dataFiles.length;
  const commit = await deps.catalog.commitToBranch({
    branch,
    changes: [{ table: table.qualified, metadataLocation: next.metadataLocation, basedOn: version.metadataLocation }],
    message: options.message ?? `compact ${table.qualified}: ${chosen.length} data files into ${written.dataFiles.length}`,
    author: options.author ?? deps.author,
    properties: {
      'floodgate.operation': 'compact',
      'floodgate.table': table.qualified,
      'floodgate.files-before': String(version.files.length),
      'floodgate.files-after': String(filesAfter),
    },
  });
  return { commit: commit.id };
}
