import type { FileIO } from './file-io.js';
import { ENTRY_STATUS, hasLiveFiles, readManifestEntries, readManifestList } from './manifests.js';
import { currentSnapshot } from './table-metadata.js';
import type { LiveDataFile, TableMetadata } from './types.js';

/**
 * Live data files of the current snapshot (entries not DELETED), in manifest-list order.
 * Manifest lists and manifests are read through the FileIO's cache.
 */
export async function liveDataFiles(io: FileIO, metadata: TableMetadata): Promise<LiveDataFile[]> {
  const snapshot = currentSnapshot(metadata);
  if (snapshot === undefined) return [];
  const manifests = (await readManifestList(io, snapshot['manifest-list'])).filter(hasLiveFiles);
  const entries = await Promise.all(manifests.map((manifest) => readManifestEntries(io, manifest)));
  return entries.flat().flatMap((entry) =>
    entry.status === ENTRY_STATUS.deleted
      ? []
      : [{ path: entry.data_file.file_path, recordCount: entry.data_file.record_count, fileSizeInBytes: entry.data_file.file_size_in_bytes }],
  );
}
