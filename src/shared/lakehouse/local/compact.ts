import fs from 'node:fs/promises';
import path from 'node:path';
import { commitSnapshot, currentSchema, liveDataFiles, readTableMetadata } from './iceberg/index.js';
import type { CompactOptions, CompactResult } from '../lakehouse.js';
import { InvalidInputError, TableChangedError, TableNotFoundError } from '../errors.js';
import { parseTableName, validateRefName } from '../names.js';
import { tableScanSql } from './engine/query.js';
import { writeDataFiles } from './engine/write.js';
import type { ImporterDeps } from './importer.js';
import { requireRef } from './refs.js';

export type CompactDeps = Pick<ImporterDeps, 'catalog' | 'io' | 'writer' | 'targetFileSizeBytes' | 'author'>;

/**
 * Compaction: the table version on the branch is read through its current schema (columns
 * matched by field id, so evolved tables keep every value) and written again as files of the
 * target size, then committed as an Iceberg `replace` snapshot with a compare-and-swap on the
 * version that was read. If anything else committed to the table meanwhile, the rewrite is
 * dropped (never retried on top: it would lose the other commit's rows) and `changed` returned.
 * Old files stay, so earlier commits still read; nothing is expired.
 */
export async function compactTable(deps: CompactDeps, tableName: string, options: CompactOptions = {}): Promise<CompactResult> {
  const table = parseTableName(tableName);
  const branch = validateRefName(options.branch ?? 'main');
  const minFiles = options.minFiles ?? 2;
  if (!Number.isSafeInteger(minFiles) || minFiles < 2) throw new InvalidInputError(`minFiles must be an integer of at least 2, got ${minFiles}`);

  const head = await requireRef(deps.catalog, branch, 'branch');
  const pointer = await deps.catalog.tableAt(head.commitId, table.qualified);
  if (pointer === undefined) throw new TableNotFoundError(table.qualified, branch);
  const metadata = await readTableMetadata(deps.io, pointer.metadataLocation);
  const files = await liveDataFiles(deps.io, metadata);
  const before = {
    table: table.qualified,
    rows: files.reduce((sum, f) => sum + f.recordCount, 0),
    filesBefore: files.length,
    bytesBefore: files.reduce((sum, f) => sum + f.fileSizeInBytes, 0),
  };
  const select = tableScanSql({ files: files.map((f) => f.path), fields: currentSchema(metadata).fields, singleSchema: metadata.schemas.length === 1 });
  if (files.length < minFiles || select === undefined) {
    return { ...before, outcome: 'skipped', filesAfter: files.length, bytesAfter: before.bytesBefore };
  }

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
  const dropWritten = async () => {
    const folders = new Set(written.dataFiles.map((f) => path.dirname(f.path)));
    await Promise.all([...folders].map((folder) => fs.rm(folder, { recursive: true, force: true })));
  };
  if (written.rows !== before.rows) {
    await dropWritten();
    throw new InvalidInputError(`compacting ${table.qualified} read ${written.rows} rows where its files hold ${before.rows}; nothing was committed`);
  }
  try {
    const next = await commitSnapshot({
      io: deps.io,
      metadata,
      metadataLocation: pointer.metadataLocation,
      operation: 'replace',
      addedFiles: written.dataFiles,
      summary: { 'floodgate.compacted-files': String(files.length) },
    });
    const commit = await deps.catalog.commitToBranch({
      branch,
      changes: [{ table: table.qualified, metadataLocation: next.metadataLocation, basedOn: pointer.metadataLocation }],
      message: options.message ?? `compact ${table.qualified}: ${files.length} data files into ${written.dataFiles.length}`,
      author: options.author ?? deps.author,
      properties: {
        'floodgate.operation': 'compact',
        'floodgate.table': table.qualified,
        'floodgate.files-before': String(files.length),
        'floodgate.files-after': String(written.dataFiles.length),
      },
    });
    return { ...before, outcome: 'compacted', commit: commit.id, filesAfter: written.dataFiles.length, bytesAfter: written.bytes };
  } catch (error) {
    await dropWritten();
    if (error instanceof TableChangedError) return { ...before, outcome: 'changed', filesAfter: files.length, bytesAfter: before.bytesBefore };
    throw error;
  }
}
