/**
 * Reading and writing Iceberg v2 manifests (one Avro file of data-file entries) and manifest
 * lists (one Avro file of manifest rows per snapshot). Decoded files are cached per FileIO:
 * they are immutable once written.
 */
import { FloodgateError } from '../../../errors/index.js';
import { decodeAvroContainer, encodeAvroContainer } from './avro-container.js';
import { MANIFEST_ENTRY_SCHEMA, MANIFEST_FILE_SCHEMA } from './avro-schemas.js';
import type { DataFileRecord, IntKeyedEntry, ManifestEntryRecord, ManifestFileRecord } from './avro-schemas.js';
import { DECODED_SIZE_FACTOR, cachesFor } from './cache.js';
import type { FileIO } from './file-io.js';
import type { DataFileInput, IcebergSchema } from './types.js';

export const ENTRY_STATUS = { existing: 0, added: 1, deleted: 2 } as const;
const CODEC = 'deflate';

function intKeyed<V>(map: Map<number, V>, convert: (value: V) => IntKeyedEntry<V>['value']): IntKeyedEntry<V>[] {
  return [...map.entries()].sort(([a], [b]) => a - b).map(([key, value]) => ({ key, value: convert(value) }));
}

/** A copy, so later changes to the caller's bytes cannot reach the cached entries. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

export function dataFileRecord(file: DataFileInput): DataFileRecord {
  return {
    content: 0,
    file_path: file.path,
    file_format: 'PARQUET',
    partition: {},
    record_count: file.recordCount,
    file_size_in_bytes: file.fileSizeInBytes,
    column_sizes: intKeyed(file.columnSizes, (n) => n),
    value_counts: intKeyed(file.valueCounts, (n) => n),
    null_value_counts: intKeyed(file.nullValueCounts, (n) => n),
    nan_value_counts: null,
    lower_bounds: intKeyed(file.lowerBounds, asBuffer),
    upper_bounds: intKeyed(file.upperBounds, asBuffer),
    key_metadata: null,
    split_offsets: null,
    equality_ids: null,
    sort_order_id: null,
  };
}

/** A data file record with exactly the fields this module writes (for re-writing read entries). */
export function normalizeDataFile(record: DataFileRecord): DataFileRecord {
  return {
    content: record.content,
    file_path: record.file_path,
    file_format: record.file_format,
    partition: {},
    record_count: record.record_count,
    file_size_in_bytes: record.file_size_in_bytes,
    column_sizes: record.column_sizes ?? null,
    value_counts: record.value_counts ?? null,
    null_value_counts: record.null_value_counts ?? null,
    nan_value_counts: record.nan_value_counts ?? null,
    lower_bounds: record.lower_bounds ?? null,
    upper_bounds: record.upper_bounds ?? null,
    key_metadata: record.key_metadata ?? null,
    split_offsets: record.split_offsets ?? null,
    equality_ids: record.equality_ids ?? null,
    sort_order_id: record.sort_order_id ?? null,
  };
}

/**
 * Writes one data manifest of `entries` and returns its manifest-list row. The row's
 * `min_sequence_number` is the smallest data sequence number of its live entries, or the
 * commit's own when it has none.
 */
export async function writeManifest(input: {
  io: FileIO;
  location: string;
  schema: IcebergSchema;
  snapshotId: number;
  sequenceNumber: number;
  entries: readonly ManifestEntryRecord[];
}): Promise<ManifestFileRecord> {
  const counts = { files: [0, 0, 0], rows: [0, 0, 0] };
  let minSequenceNumber: number | undefined;
  for (const entry of input.entries) {
    counts.files[entry.status] = (counts.files[entry.status] ?? 0) + 1;
    counts.rows[entry.status] = (counts.rows[entry.status] ?? 0) + entry.data_file.record_count;
    if (entry.status !== ENTRY_STATUS.deleted && entry.sequence_number !== null) {
      minSequenceNumber = Math.min(minSequenceNumber ?? entry.sequence_number, entry.sequence_number);
    }
  }
  const data = encodeAvroContainer({
    schema: MANIFEST_ENTRY_SCHEMA,
    records: input.entries,
    codec: CODEC,
    metadata: {
      schema: JSON.stringify(input.schema),
      'schema-id': String(input.schema['schema-id']),
      'partition-spec': '[]',
      'partition-spec-id': '0',
      'format-version': '2',
      content: 'data',
    },
  });
  await input.io.write(input.location, data);
  cachesFor(input.io).avro.set(input.location, input.entries, data.length * DECODED_SIZE_FACTOR.avro);
  return {
    manifest_path: input.location,
    manifest_length: data.length,
    partition_spec_id: 0,
    content: 0,
    sequence_number: input.sequenceNumber,
    min_sequence_number: minSequenceNumber ?? input.sequenceNumber,
    added_snapshot_id: input.snapshotId,
    added_files_count: counts.files[ENTRY_STATUS.added] ?? 0,
    existing_files_count: counts.files[ENTRY_STATUS.existing] ?? 0,
    deleted_files_count: counts.files[ENTRY_STATUS.deleted] ?? 0,
    added_rows_count: counts.rows[ENTRY_STATUS.added] ?? 0,
    existing_rows_count: counts.rows[ENTRY_STATUS.existing] ?? 0,
    deleted_rows_count: counts.rows[ENTRY_STATUS.deleted] ?? 0,
    partitions: [],
    key_metadata: null,
  };
}

export async function writeManifestList(input: {
  io: FileIO;
  location: string;
  snapshotId: number;
  parentSnapshotId: number | null;
  sequenceNumber: number;
  manifests: readonly ManifestFileRecord[];
}): Promise<void> {
  const data = encodeAvroContainer({
    schema: MANIFEST_FILE_SCHEMA,
    records: input.manifests,
    codec: CODEC,
    metadata: {
      'snapshot-id': String(input.snapshotId),
      'parent-snapshot-id': input.parentSnapshotId === null ? 'null' : String(input.parentSnapshotId),
      'sequence-number': String(input.sequenceNumber),
      'format-version': '2',
    },
  });
  await input.io.write(input.location, data);
  cachesFor(input.io).avro.set(input.location, input.manifests, data.length * DECODED_SIZE_FACTOR.avro);
}

async function readAvroRecords<T>(io: FileIO, location: string, decode: (records: unknown[]) => T[]): Promise<readonly T[]> {
  const cache = cachesFor(io).avro;
  const cached = cache.get(location) as readonly T[] | undefined;
  if (cached !== undefined) return cached;
  const data = await io.read(location);
  const records = decode(decodeAvroContainer(data, location).records);
  cache.set(location, records, data.length * DECODED_SIZE_FACTOR.avro);
  return records;
}

export function readManifestList(io: FileIO, location: string): Promise<readonly ManifestFileRecord[]> {
  return readAvroRecords(io, location, (records) => records as ManifestFileRecord[]);
}

/**
 * Entries of one manifest, with snapshot ids and sequence numbers inherited from its
 * manifest-list row where the entry leaves them null (spec: sequence number inheritance).
 */
export function readManifestEntries(io: FileIO, manifest: ManifestFileRecord): Promise<readonly ManifestEntryRecord[]> {
  if (manifest.content !== 0) {
    throw new FloodgateError('INTERNAL', `delete manifests are not supported: ${manifest.manifest_path}`, {
      details: { location: manifest.manifest_path },
    });
  }
  return readAvroRecords(io, manifest.manifest_path, (records) =>
    (records as ManifestEntryRecord[]).map((entry) => {
      const inherits = entry.status === ENTRY_STATUS.added;
      return {
        ...entry,
        snapshot_id: entry.snapshot_id ?? manifest.added_snapshot_id,
        sequence_number: entry.sequence_number ?? (inherits ? manifest.sequence_number : null),
        file_sequence_number: entry.file_sequence_number ?? (inherits ? manifest.sequence_number : null),
      };
    }),
  );
}

/** Manifests that still hold live (added or existing) files. */
export function hasLiveFiles(manifest: ManifestFileRecord): boolean {
  return manifest.added_files_count + manifest.existing_files_count > 0;
}
