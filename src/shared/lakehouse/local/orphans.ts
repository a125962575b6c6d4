import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRY_STATUS, readManifestEntries, readManifestList, readTableMetadata, type FileIO } from './iceberg/index.js';
import type { Catalog } from './catalog/index.js';
import type { RemoveOrphanFilesOptions, RemoveOrphanFilesResult } from '../lakehouse.js';
import { DAY_MS, DEFAULT_SNAPSHOT_RETENTION_MS, validAge } from './expire.js';

export interface OrphanDeps {
  readonly catalog: Catalog;
  readonly io: FileIO;
  readonly warehouse: string;
}

export const DEFAULT_ORPHAN_MIN_AGE_MS = 3 * DAY_MS;
const SAMPLE_SIZE = 20;
const DELETE_BATCH = 32;
/** What Floodgate writes into a table's folder: data, manifests and manifest lists, table versions, and interrupted atomic writes. */
const TABLE_FILE = /\.(parquet|avro|metadata\.json|tmp)$/;

function toPath(location: string): string {
  return path.resolve(location.startsWith('file:') ? fileURLToPath(location) : location);
}

/**
 * Every file the given table versions need: each version's metadata file, and for every snapshot
 * it lists, the manifest list, its manifests and the data files they hold (added or existing). A file that cannot be read stops everything:
 * without the whole set, nothing may be deleted.
 */
async function referencedFiles(
  io: FileIO,
  metadataLocations: readonly string[],
  onRead: (done: number) => void,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const referenced = new Set<string>();
  const manifestLists = new Set<string>();
  const manifests = new Set<string>();
  let done = 0;
  for (const location of metadataLocations) {
    signal?.throwIfAborted();
    referenced.add(toPath(location));
    const metadata = await readTableMetadata(io, location);
    for (const snapshot of metadata.snapshots) {
      if (manifestLists.has(snapshot['manifest-list'])) continue;
      manifestLists.add(snapshot['manifest-list']);
      referenced.add(toPath(snapshot['manifest-list']));
      for (const manifest of await readManifestList(io, snapshot['manifest-list'])) {
        if (manifests.has(manifest.manifest_path)) continue;
        manifests.add(manifest.manifest_path);
        referenced.add(toPath(manifest.manifest_path));
        for (const entry of await readManifestEntries(io, manifest)) {
          // A DELETED entry names a file its snapshot no longer reads (the parent's manifests hold it while it is kept).
          if (entry.status !== ENTRY_STATUS.deleted) referenced.add(toPath(entry.data_file.file_path));
        }
      }
    }
    onRead(++done);
  }
  return referenced;
}

/** Regular files under `root`; symbolic links are neither followed nor listed. */
async function walk(root: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (folder: string): Promise<void> => {
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await visit(full);
      else if (entry.isFile()) files.push(full);
    }
  };
  await visit(root);
  return files;
}

/**
 * Orphan removal for the warehouse. History before the window is given up first (the catalog's
 * expiry mark: reads of older commits no ref points at are refused from then on), then the
 * table versions of the retained commits (see Catalog.retainedVersions) give every file still
 * needed, and any other table file older than `minAgeMs` is deleted: files of deleted branches,
 * of failed or interrupted writes, and of snapshots expired from every retained version.
 * Only Floodgate's own kinds of files under the warehouse are candidates.
 */
export async function removeOrphanFiles(deps: OrphanDeps, options: RemoveOrphanFilesOptions = {}): Promise<RemoveOrphanFilesResult> {
  const now = options.now ?? Date.now();
  const olderThanMs = validAge('olderThanMs', options.olderThanMs ?? DEFAULT_SNAPSHOT_RETENTION_MS);
  const minAgeMs = validAge('minAgeMs', options.minAgeMs ?? DEFAULT_ORPHAN_MIN_AGE_MS);
  const dryRun = options.dryRun === true;
  const { signal, onProgress } = options;
  onProgress?.({ phase: 'catalog' });
  // A narrower window given before (`lake expire --older-than 0`) already gave up the history up
  // to its mark, and its files may be gone: the mark never moves back, so neither does the cutoff.
  const asked = new Date(now - olderThanMs).toISOString();
  const mark = await deps.catalog.expiredBefore();
  const expiredBefore = mark !== undefined && mark > asked ? mark : asked;
  if (!dryRun) await deps.catalog.markExpiredBefore(expiredBefore);
  const retained = await deps.catalog.retainedVersions(expiredBefore);
  const total = retained.metadataLocations.length;
  onProgress?.({ phase: 'reading', done: 0, total });
  const referenced = await referencedFiles(deps.io, retained.metadataLocations, (done) => onProgress?.({ phase: 'reading', done, total }), signal);

  onProgress?.({ phase: 'listing' });
  const warehouse = path.resolve(deps.warehouse);
  const files = await walk(warehouse);
  const candidates = files.filter((file) => TABLE_FILE.test(file) && !referenced.has(file));
  let bytesDeleted = 0;
  let filesTooYoung = 0;
  const deleted: string[] = [];
  for (let i = 0; i < candidates.length; i += DELETE_BATCH) {
    signal?.throwIfAborted();
    onProgress?.({ phase: 'deleting', done: i, total: candidates.length });
    await Promise.all(
      candidates.slice(i, i + DELETE_BATCH).map(async (file) => {
        const stat = await fs.stat(file).catch(() => undefined);
        if (stat === undefined) return;
        if (now - stat.mtimeMs < minAgeMs) {
          filesTooYoung++;
          return;
        }
        if (!dryRun) await fs.rm(file, { force: true });
        deleted.push(file);
        bytesDeleted += stat.size;
      }),
    );
  }
  if (!dryRun) {
    // The per-write data folders (`data/<date>-<uuid>`) left empty; rmdir refuses any that still
    // hold something. Shared folders (`data`, `metadata`, the table's) stay for writers to use.
    const emptied = new Set(deleted.map((file) => path.dirname(file)).filter((folder) => path.basename(path.dirname(folder)) === 'data'));
    for (const folder of emptied) await fs.rmdir(folder).catch(() => undefined);
  }
  onProgress?.({ phase: 'deleting', done: candidates.length, total: candidates.length });
  return {
    expiredBefore,
    dryRun,
    commitsRetained: retained.commits,
    filesReferenced: referenced.size,
    filesScanned: files.length,
    filesDeleted: deleted.length,
    bytesDeleted,
    filesTooYoung,
    sample: [...deleted].sort().slice(0, SAMPLE_SIZE),
  };
}
