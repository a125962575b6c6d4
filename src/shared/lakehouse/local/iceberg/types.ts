/**
 * The Iceberg format-v2 table metadata, typed as it is written to `*.metadata.json`.
 * Names follow the spec's JSON keys so a metadata object serialises as it is.
 */

export type IcebergPrimitiveType =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'uuid'
  | 'binary'
  | `decimal(${number}, ${number})`;

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergPrimitiveType;
  doc?: string;
}

export interface IcebergSchema {
  type: 'struct';
  'schema-id': number;
  fields: IcebergField[];
  'identifier-field-ids'?: number[];
}

/** Only the unpartitioned spec is written; foreign specs are kept as they are. */
export interface PartitionSpec {
  'spec-id': number;
  fields: unknown[];
}

export interface SortOrder {
  'order-id': number;
  fields: unknown[];
}

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotSummary {
  operation: SnapshotOperation;
  [property: string]: string;
}

export interface Snapshot {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
}

export interface SnapshotRef {
  'snapshot-id': number;
  type: 'branch' | 'tag';
  'max-ref-age-ms'?: number;
  'max-snapshot-age-ms'?: number;
  'min-snapshots-to-keep'?: number;
}

export interface SnapshotLogEntry {
  'snapshot-id': number;
  'timestamp-ms': number;
}

export interface MetadataLogEntry {
  'metadata-file': string;
  'timestamp-ms': number;
}

export interface TableMetadata {
  'format-version': 2;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: IcebergSchema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties: Record<string, string>;
  /** null while the table has no snapshot (written as -1, which PyIceberg and DuckDB both read). */
  'current-snapshot-id': number | null;
  snapshots: Snapshot[];
  'snapshot-log': SnapshotLogEntry[];
  'metadata-log': MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs: Record<string, SnapshotRef>;
}

/** One Parquet data file to add, with the column stats that go into its manifest entry. */
export interface DataFileInput {
  /** Absolute location of the Parquet file, as it should appear in the manifest. */
  path: string;
  fileSizeInBytes: number;
  recordCount: number;
  /** Field id -> bytes on disk. */
  columnSizes: Map<number, number>;
  valueCounts: Map<number, number>;
  nullValueCounts: Map<number, number>;
  /** Field id -> bound, already single-value encoded (see `encodeBound`). */
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

export interface LiveDataFile {
  path: string;
  recordCount: number;
  fileSizeInBytes: number;
}
