import type { ManifestEntryRecord, ManifestFileRecord } from './avro-schemas.js';
import type { FileIO } from './file-io.js';
import { ENTRY_STATUS, hasLiveFiles, readManifestEntries, readManifestList } from './manifests.js';
import { currentSnapshot } from './table-metadata.js';
import type { LiveDataFile, TableMetadata } from './types.js';

/**
 * The live entries (not DELETED) of a snapshot's manifests, in manifest-list order. Manifests
 * are read through the FileIO's cache.
 */
export async function liveEntries(io: FileIO, manifests: readonly ManifestFileRecord[]): Promise<ManifestEntryRecord[]> {
  const entries = await Promise.all(manifests.filter(hasLiveFiles).map((manifest) => readManifestEntries(io, manifest)));
  return entries.flat().filter((entry) => entry.status !== ENTRY_STATUS.deleted);
}

/** The live entries of the table version's current snapshot (none without one). */
export async function currentEntries(io: FileIO, metadata: TableMetadata): Promise<ManifestEntryRecord[]> {
  const snapshot = currentSnapshot(metadata);
  return snapshot === undefined ? [] : liveEntries(io, await readManifestList(io, snapshot['manifest-list']));
}

/** Live data files of the current snapshot, in manifest-list order. */
export async function liveDataFiles(io: FileIO, metadata: TableMetadata): Promise<LiveDataFile[]> {
  return (await currentEntries(io, metadata)).map((entry) => ({
    path: entry.data_file.file_path,
    recordCount: entry.data_file.record_count,
    fileSizeInBytes: entry.data_file.file_size_in_bytes,
  }));
}
