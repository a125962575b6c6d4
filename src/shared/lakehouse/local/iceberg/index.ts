/**
 * Iceberg format-v2 tables written from TypeScript: metadata JSON, Avro manifest lists and
 * manifests, for Parquet data files written elsewhere (by DuckDB). Readable by PyIceberg and
 * DuckDB's iceberg_scan.
 */
export { encodeBound } from './bounds.js';
export type { BoundValue } from './bounds.js';
export { commitSnapshot } from './commit.js';
export { planExpiry } from './expire.js';
export { rebaseVersion } from './rebase.js';
export type { RebaseInput } from './rebase.js';
export type { ExpiryPlan } from './expire.js';
export type { CommitSnapshotInput } from './commit.js';
export { localFileIO } from './file-io.js';
export type { FileIO } from './file-io.js';
export { metadataVersion, readTableMetadata, writeTableMetadata } from './metadata-file.js';
export { ENTRY_STATUS, readManifestEntries, readManifestList } from './manifests.js';
export { canPromote, decimalType, isIcebergPrimitiveType } from './primitive-types.js';
export { liveDataFiles } from './scan.js';
export { currentSchema, currentSnapshot, newTableMetadata, tableSummary, withSchema } from './table-metadata.js';
export type { NewTableInput } from './table-metadata.js';
export type {
  DataFileInput,
  IcebergField,
  IcebergPrimitiveType,
  IcebergSchema,
  LiveDataFile,
  MetadataLogEntry,
  PartitionSpec,
  Snapshot,
  SnapshotLogEntry,
  SnapshotOperation,
  SnapshotRef,
  SnapshotSummary,
  SortOrder,
  TableMetadata,
} from './types.js';
