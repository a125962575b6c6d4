import fs from 'node:fs/promises';
import path from 'node:path';
import type { LakehouseConfig } from '../../src/shared/config/index.js';
import { openCatalog } from '../../src/shared/lakehouse/local/catalog/index.js';
import { columnStats } from '../../src/shared/lakehouse/local/engine/stats.js';
import { duckTypeOf, quoteIdent } from '../../src/shared/lakehouse/local/engine/types.js';
import {
  commitSnapshot,
  currentSchema,
  localFileIO,
  readTableMetadata,
  type DataFileInput,
} from '../../src/shared/lakehouse/local/iceberg/index.js';
import { sqlString, type RawDuck } from '../lib/duck.js';
import { taxiSql } from './dataset.js';

const ROWS_PER_BULK_FILE = 20;
const BATCH = 500;

/**
 * Appends `count` tiny data files to `table` on main in ONE commit, the way an import that
 * wrote `count` files would: DuckDB writes them with the table's field ids (one PARTITION_BY
 * COPY, well under a second), their Iceberg metrics come from Floodgate's own `columnStats`,
 * the snapshot from `commitSnapshot` and the ref move from the catalog's `commitToBranch`.
 * Importing through `importData` cannot produce thousands of files cheaply (DuckDB only
 * rotates output files at row-group boundaries), and 5,000 separate appends take minutes.
 * The lakehouse must be closed while this runs.
 */
export async function appendManyFiles(config: LakehouseConfig, duck: RawDuck, table: string, count: number): Promise<void> {
  const catalog = await openCatalog({ sqlitePath: path.join(config.home, 'catalog.db'), catalogName: config.catalogName });
  try {
    const head = await catalog.getRef('main', 'branch');
    if (head === undefined) throw new Error('main is missing');
    const pointer = await catalog.tableAt(head.commitId, table);
    if (pointer === undefined) throw new Error(`${table} is not on main`);
    const io = localFileIO();
    const metadata = await readTableMetadata(io, pointer.metadataLocation);
    const fields = currentSchema(metadata).fields;
    const dir = path.join(metadata.location, 'data', 'bench-bulk');
    const select = fields.map((f) => `CAST(${quoteIdent(f.name)} AS ${duckTypeOf(f.type)}) AS ${quoteIdent(f.name)}`);
    const fieldIds = fields.map((f) => `${quoteIdent(f.name)}: ${f.id}`).join(', ');
    const addedFiles: DataFileInput[] = [];
    await fs.mkdir(dir, { recursive: true });
    // Batches keep DuckDB's open partition writers (one per file) well under its memory limit.
    for (let done = 0; done < count; done += BATCH) {
      const n = Math.min(BATCH, count - done);
      const reader = await duck.connection.runAndReadAll(
        `COPY (SELECT ${select.join(', ')}, CAST(trip_id % ${n} AS INTEGER) AS fg_bucket ` +
          `FROM (${taxiSql(1_000_000_000 + done * ROWS_PER_BULK_FILE, n * ROWS_PER_BULK_FILE)})) ` +
          `TO ${sqlString(path.join(dir, `batch-${done}`))} ` +
          `(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (fg_bucket), FIELD_IDS {${fieldIds}}, RETURN_FILES true)`,
      );
      const files = ((reader.getRowObjectsJS()[0]?.['Files'] as unknown[] | undefined) ?? []).map(String);
      if (files.length !== n) throw new Error(`expected ${n} bulk files, DuckDB wrote ${files.length}`);
      addedFiles.push(...(await columnStats(duck.connection, files, fields)));
    }
    const next = await commitSnapshot({
      io,
      metadata,
      metadataLocation: pointer.metadataLocation,
      operation: 'append',
      addedFiles,
      summary: { 'floodgate.source': 'bench bulk append' },
    });
    await catalog.commitToBranch({
      branch: 'main',
      changes: [{ table, metadataLocation: next.metadataLocation, basedOn: pointer.metadataLocation }],
      message: `bench: append ${count} tiny files to ${table}`,
      author: 'bench',
    });
  } finally {
    await catalog.close();
  }
}
