import path from 'node:path';
import type { Catalog } from './catalog/index.js';
import {
  commitSnapshot,
  currentSchema,
  newTableMetadata,
  readTableMetadata,
  withSchema,
  type FileIO,
  type IcebergField,
  type TableMetadata,
} from './iceberg/index.js';
import type { ImportRequest, ImportResult } from '../lakehouse.js';
import { TableChangedError } from '../errors.js';
import { parseTableName, validateRefName } from '../names.js';
import type { Duck } from './engine/duck.js';
import { writeDataFiles } from './engine/write.js';
import { requireRef } from './refs.js';
import { resolveSource, type ObjectStore } from '../../sources/index.js';

export interface ImporterDeps {
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly writer: () => Promise<Duck>;
  readonly objectStore: () => ObjectStore;
  readonly warehouse: string;
  readonly stagingRoot: string;
  readonly sourceRoots: readonly string[];
  readonly targetFileSizeBytes: number;
  readonly author: string;
  readonly cwd: string;
}

const COMMIT_ATTEMPTS = 8;

function fieldsKey(metadata: TableMetadata | undefined): string {
  return metadata === undefined ? '' : JSON.stringify(currentSchema(metadata).fields);
}

/**
 * One import is one commit on the branch: data files are written once, then the Iceberg
 * metadata is built on the branch's current table version and committed with a
 * compare-and-swap on that version. A concurrent commit to the same table makes us rebuild
 * the metadata (not the data) on top of the new version.
 */
export async function importData(
  deps: ImporterDeps,
  request: ImportRequest,
  internal: { jsonColumns?: (existing: readonly IcebergField[] | undefined) => Record<string, string> } = {},
): Promise<ImportResult> {
  const table = parseTableName(request.table);
  const branch = validateRefName(request.branch);
  const mode = request.mode ?? 'append';
  const policy = request.schemaPolicy ?? 'evolve';
  await requireRef(deps.catalog, branch, 'branch');

  const source = await resolveSource(request.source, {
    roots: deps.sourceRoots,
    cwd: deps.cwd,
    stagingRoot: deps.stagingRoot,
    objectStore: deps.objectStore,
    ...(request.format === undefined ? {} : { format: request.format }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
    ...(request.expectedFiles === undefined ? {} : { expectedFiles: request.expectedFiles }),
  });
  try {
    const location = path.join(deps.warehouse, table.namespace, table.name);
    const head = await requireRef(deps.catalog, branch, 'branch');
    let pointer = await deps.catalog.tableAt(head.commitId, table.qualified);
    let base = pointer === undefined ? undefined : await readTableMetadata(deps.io, pointer.metadataLocation);
    const writtenAgainst = fieldsKey(base);

    request.onProgress?.({ phase: 'writing', filesTotal: source.files.length });
    const written = await writeDataFiles({
      duck: await deps.writer(),
      table: table.qualified,
      from: { files: source.files, format: source.format },
      ...(base === undefined
        ? {}
        : { existing: { fields: currentSchema(base).fields, lastColumnId: base['last-column-id'] } }),
      policy,
      dataDir: path.join(location, 'data'),
      targetFileSizeBytes: deps.targetFileSizeBytes,
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(internal.jsonColumns === undefined ? {} : { jsonColumns: internal.jsonColumns(base === undefined ? undefined : currentSchema(base).fields) }),
    });

    request.onProgress?.({ phase: 'committing' });
    for (let attempt = 1; ; attempt++) {
      const start = base === undefined ? newTableMetadata({ location, schema: { fields: written.plan.fields } }) : base;
      const next = await commitSnapshot({
        io: deps.io,
        metadata: withSchema(start, written.plan.fields),
        metadataLocation: pointer?.metadataLocation ?? null,
        operation: mode === 'replace' ? 'overwrite' : 'append',
        addedFiles: written.dataFiles,
        summary: { 'floodgate.source': request.source.slice(0, 500) },
      });
      try {
        const commit = await deps.catalog.commitToBranch({
          branch,
          ...(request.expectedHead === undefined ? {} : { expectedHead: request.expectedHead }),
          changes: [{ table: table.qualified, metadataLocation: next.metadataLocation, basedOn: pointer?.metadataLocation ?? null }],
          message: request.message ?? `${mode} ${written.rows} rows into ${table.qualified}`,
          author: request.author ?? deps.author,
          properties: {
            'floodgate.operation': 'import',
            'floodgate.table': table.qualified,
            'floodgate.mode': mode,
            'floodgate.rows': String(written.rows),
            ...request.properties,
          },
        });
        return {
          table: table.qualified,
          rows: written.rows,
          files: written.dataFiles.length,
          bytes: written.bytes,
          commit: commit.id,
          addedColumns: written.plan.addedColumns,
          created: base === undefined,
        };
      } catch (error) {
        if (!(error instanceof TableChangedError) || attempt >= COMMIT_ATTEMPTS) throw error;
        const moved = await requireRef(deps.catalog, branch, 'branch');
        pointer = await deps.catalog.tableAt(moved.commitId, table.qualified);
        base = pointer === undefined ? undefined : await readTableMetadata(deps.io, pointer.metadataLocation);
        // The data files were cast to the schema we planned against; a concurrent schema change needs a fresh import.
        if (fieldsKey(base) !== writtenAgainst) {
          throw new TableChangedError(table.qualified, branch);
        }
      }
    }
  } finally {
    await source.cleanup();
  }
}
