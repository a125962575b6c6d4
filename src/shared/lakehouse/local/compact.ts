import fs from 'node:fs/promises';
import path from 'node:path';
import { commitSnapshot, currentSchema, liveDataFiles, readTableMetadata } from './iceberg/index.js';
import type { CompactOptions, CompactResult } from '../lakehouse.js';
import { FloodgateError } from '../../errors/index.js';
import { InvalidInputError, TableChangedError, TableNotFoundError } from '../errors.js';
import { parseTableName, validateRefName } from '../names.js';
import { tableScanSql } from './engine/query.js';
import { writeDataFiles } from './engine/write.js';
import type { ImporterDeps } from './importer.js';
import { requireRef } from './refs.js';

export type CompactDeps = Pick<ImporterDeps, 'catalog' | 'io' | 'writer' | 'targetFileSizeBytes' | 'author'>;

/**
 * Compaction: the table version's live files (or those smaller than `smallerThanBytes`) are read
 * through its current schema (columns matched by field id, so evolved tables keep every value)
 * and written again as files of the target size, then committed as an Iceberg `replace`
 * snapshot, which keeps every other file, with a compare-and-swap on the version that was read.
 * If anything else committed to the table meanwhile, the rewrite is dropped (never retried on
 * top: it would lose the other commit's rows) and `changed` returned. Old files stay, so earlier
 * commits still read; nothing is expired.
 */
export async function compactTable(deps: CompactDeps, tableName: string, options: CompactOptions = {}): Promise<CompactResult> {
  const table = parseTableName(tableName);
  const branch = validateRefName(options.branch ?? 'main');
  const minFiles = options.minFiles ?? 2;
  if (!Number.isSafeInteger(minFiles) || minFiles < 2) throw new InvalidInputError(`minFiles must be an integer of at least 2, got ${minFiles}`);

  const smallerThan = options.smallerThanBytes ?? Number.POSITIVE_INFINITY;
  if (!(smallerThan > 0)) throw new InvalidInputError(`smallerThanBytes must be positive, got ${smallerThan}`);

  const head = await requireRef(deps.catalog, branch, 'branch');
  const pointer = await deps.catalog.tableAt(head.commitId, table.qualified);
  if (pointer === undefined) throw new TableNotFoundError(table.qualified, branch);
  const metadata = await readTableMetadata(deps.io, pointer.metadataLocation);
  const files = await liveDataFiles(deps.io, metadata);
  const chosen = files.filter((f) => f.fileSizeInBytes < smallerThan);
  const before = {
    table: table.qualified,
    rows: files.reduce((sum, f) => sum + f.recordCount, 0),
    filesBefore: files.length,
    bytesBefore: files.reduce((sum, f) => sum + f.fileSizeInBytes, 0),
  };
  const unchanged = { ...before, filesAfter: files.length, bytesAfter: before.bytesBefore, filesRewritten: 0 };
  const select = tableScanSql({ files: chosen.map((f) => f.path), fields: currentSchema(metadata).fields, singleSchema: metadata.schemas.length === 1 });
  if (chosen.length < minFiles || select === undefined) return { ...unchanged, outcome: 'skipped' };

  const written = await writeDataFiles({
    duck: await deps.writer(),
    table: table.qualified,
    from: { select, label: `${table.qualified} on ${branch}` },
    existing: { fields: currentSchema(metadata).fields, lastColumnId: metadata['last-column-id'] },
    policy: 'freeze',
    dataDir: path.join(metadata.location, 'data'),
    targetFileSizeBytes: deps.targetFileSizeBytes,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const chosenRows = chosen.reduce((sum, f) => sum + f.recordCount, 0);
  const chosenBytes = chosen.reduce((sum, f) => sum + f.fileSizeInBytes, 0);
  const dropWritten = async () => {
    const folders = new Set(written.dataFiles.map((f) => path.dirname(f.path)));
    await Promise.all([...folders].map((folder) => fs.rm(folder, { recursive: true, force: true })));
  };
  if (written.rows !== chosenRows) {
    await dropWritten();
    throw new FloodgateError('INTERNAL', `compacting ${table.qualified} read ${written.rows} rows where its files hold ${chosenRows}; nothing was committed`);
  }
  const filesAfter = files.length - chosen.length + written.dataFiles.length;
  let next: Awaited<ReturnType<typeof commitSnapshot>>;
  try {
    // Stopped, or the caller's claim is gone, after the rewrite: commit nothing.
    options.signal?.throwIfAborted();
    await options.beforeCommit?.();
    next = await commitSnapshot({
      io: deps.io,
      metadata,
      metadataLocation: pointer.metadataLocation,
      operation: 'replace',
      addedFiles: written.dataFiles,
      replacedFiles: chosen.map((f) => f.path),
      summary: { 'floodgate.compacted-files': String(chosen.length) },
    });
  } catch (error) {
    await dropWritten();
    throw error;
  }
  let commit: { id: string };
  try {
    commit = await deps.catalog.commitToBranch({
      branch,
      changes: [{ table: table.qualified, metadataLocation: next.metadataLocation, basedOn: pointer.metadataLocation }],
      message: options.message ?? `compact ${table.qualified}: ${chosen.length} data files into ${written.dataFiles.length}`,
      author: options.author ?? deps.author,
      properties: {
        'floodgate.operation': 'compact',
        'floodgate.table': table.qualified,
        'floodgate.files-before': String(files.length),
        'floodgate.files-after': String(filesAfter),
      },
    });
  } catch (error) {
    if (error instanceof TableChangedError) {
      await dropWritten();
      return { ...unchanged, outcome: 'changed' };
    }
    // Any other failure may have come after the catalog took the commit (a lost connection):
    // the new files stay, unreferenced at worst.
    throw error;
  }
  return {
    ...before,
    outcome: 'compacted',
    commit: commit.id,
    filesAfter,
    bytesAfter: before.bytesBefore - chosenBytes + written.bytes,
    filesRewritten: chosen.length,
  };
}
