/**
 * One snapshot commit: manifests, the manifest list and the next metadata JSON.
 *
 * append: a new manifest of ADDED entries, then the parent's manifests that still hold live
 * files, carried over unchanged. overwrite: a manifest of ADDED entries and one marking every
 * previously live file DELETED, so readers see only the new files. replace: the same files
 * as overwrite, recorded as Iceberg's `replace` (the data did not change: a compaction).
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import type { DataFileRecord, ManifestEntryRecord, ManifestFileRecord } from './avro-schemas.js';
import type { FileIO } from './file-io.js';
import {
  ENTRY_STATUS,
  dataFileRecord,
  hasLiveFiles,
  normalizeDataFile,
  readManifestEntries,
  readManifestList,
  writeManifest,
  writeManifestList,
} from './manifests.js';
import { capSnapshots } from './expire.js';
import { metadataDirectory, writeTableMetadata } from './metadata-file.js';
import { liveEntries } from './scan.js';
import { currentSchema, currentSnapshot } from './table-metadata.js';
import type { DataFileInput, Snapshot, SnapshotSummary, TableMetadata } from './types.js';

export interface CommitSnapshotInput {
  io: FileIO;
  /** The version this snapshot builds on (may have no snapshots yet). */
  metadata: TableMetadata;
  /** Where `metadata` lives (for metadata-log); null for a new table. */
  metadataLocation: string | null;
  /** overwrite replaces all live data files with the added ones; replace does too, for files holding the same rows. */
  operation: 'append' | 'overwrite' | 'replace';
  addedFiles: DataFileInput[];
  /** Data files another table version already wrote, added again with their recorded stats (a rebase). */
  carriedFiles?: readonly DataFileRecord[];
  /** replace only: the live files the added ones stand in for (default: every live file); the rest stay. */
  replacedFiles?: readonly string[];
  /** Extra snapshot summary properties; the computed ones win on a clash. */
  summary?: Record<string, string>;
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
}

const SNAPSHOT_ID_BITS = 0x1f_ffff_ffff_ffffn; // 2^53 - 1: exact as a JSON number and an avsc long

/** A random positive snapshot id below 2^53 that the table does not use yet. */
function newSnapshotId(metadata: TableMetadata): number {
  const used = new Set(metadata.snapshots.map((snapshot) => snapshot['snapshot-id']));
  for (;;) {
    const id = Number(webcrypto.getRandomValues(new BigUint64Array(1))[0]! & SNAPSHOT_ID_BITS);
    if (id > 0 && !used.has(id)) return id;
  }
}

function validateFiles(files: readonly DataFileRecord[]): void {
  const paths = new Set<string>();
  for (const file of files) {
    if (file.file_path === '') throw new InvalidInputError('a data file needs a path');
    if (paths.has(file.file_path)) throw new InvalidInputError(`data file ${file.file_path} is added twice`);
    paths.add(file.file_path);
    for (const [name, value] of [['recordCount', file.record_count], ['fileSizeInBytes', file.file_size_in_bytes]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) throw new InvalidInputError(`data file ${file.file_path} has ${name} ${value}`);
    }
  }
}

interface Totals {
  files: number;
  records: number;
  bytes: number;
  deleteFiles: number;
  positionDeletes: number;
  equalityDeletes: number;
}

function totalsOf(entries: readonly ManifestEntryRecord[]): Totals {
  return {
    files: entries.length,
    records: entries.reduce((sum, entry) => sum + entry.data_file.record_count, 0),
    bytes: entries.reduce((sum, entry) => sum + entry.data_file.file_size_in_bytes, 0),
    deleteFiles: 0,
    positionDeletes: 0,
    equalityDeletes: 0,
  };
}

/** The parent's totals from its summary, or counted from its manifests when it has none. */
async function parentTotals(io: FileIO, parent: Snapshot | undefined, manifests: readonly ManifestFileRecord[]): Promise<Totals> {
  if (parent === undefined) return totalsOf([]);
  const read = (key: string): number | undefined => {
    const value = parent.summary[key];
    return value === undefined || !/^\d+$/.test(value) ? undefined : Number(value);
  };
  const files = read('total-data-files');
  const records = read('total-records');
  const bytes = read('total-files-size');
  if (files === undefined || records === undefined || bytes === undefined) return totalsOf(await liveEntries(io, manifests));
  return {
    files,
    records,
    bytes,
    deleteFiles: read('total-delete-files') ?? 0,
    positionDeletes: read('total-position-deletes') ?? 0,
    equalityDeletes: read('total-equality-deletes') ?? 0,
  };
}

/**
 * Marks the `replaced` live files DELETED and keeps every other live file. Manifests holding
 * none of them are carried over unchanged; the other files of the manifests that do hold some
 * go into one new manifest as EXISTING entries (original snapshot and sequence numbers), and the
 * replaced ones into one manifest of DELETED entries. Returns the replaced entries.
 */
async function replaceSome(
  io: FileIO,
  parentManifests: readonly ManifestFileRecord[],
  replaced: ReadonlySet<string>,
  snapshotId: number,
  write: (entries: ManifestEntryRecord[]) => Promise<void>,
  carry: (manifest: ManifestFileRecord) => void,
): Promise<ManifestEntryRecord[]> {
  const removed: ManifestEntryRecord[] = [];
  const kept: ManifestEntryRecord[] = [];
  for (const manifest of parentManifests.filter(hasLiveFiles)) {
    const live = (await readManifestEntries(io, manifest)).filter((entry) => entry.status !== ENTRY_STATUS.deleted);
    if (!live.some((entry) => replaced.has(entry.data_file.file_path))) {
      carry(manifest);
      continue;
    }
    for (const entry of live) (replaced.has(entry.data_file.file_path) ? removed : kept).push(entry);
  }
  if (removed.length !== replaced.size) {
    const found = new Set(removed.map((entry) => entry.data_file.file_path));
    const missing = [...replaced].filter((file) => !found.has(file));
    throw new InvalidInputError(`cannot replace ${missing.length} file(s) that are not live in the table, e.g. ${missing[0] ?? ''}`);
  }
  const entry = (from: ManifestEntryRecord, status: number): ManifestEntryRecord => ({
    status,
    snapshot_id: status === ENTRY_STATUS.deleted ? snapshotId : from.snapshot_id,
    sequence_number: from.sequence_number,
    file_sequence_number: from.file_sequence_number,
    data_file: normalizeDataFile(from.data_file),
  });
  if (kept.length > 0) await write(kept.map((e) => entry(e, ENTRY_STATUS.existing)));
  if (removed.length > 0) await write(removed.map((e) => entry(e, ENTRY_STATUS.deleted)));
  return removed;
}

export async function commitSnapshot(input: CommitSnapshotInput): Promise<{ metadata: TableMetadata; metadataLocation: string }> {
  const { io, metadata: base, operation } = input;
  const addedFiles = [...input.addedFiles.map(dataFileRecord), ...(input.carriedFiles ?? []).map(normalizeDataFile)];
  validateFiles(addedFiles);
  const spec = base['partition-specs'].find((candidate) => candidate['spec-id'] === base['default-spec-id']);
  if (spec === undefined || spec.fields.length > 0) {
    throw new InvalidInputError(`table ${base.location} is partitioned; only unpartitioned tables can be written`);
  }
  const timestamp = Math.max(input.now ?? Date.now(), base['last-updated-ms']);
  const schema = currentSchema(base);
  const parent = currentSnapshot(base);
  const snapshotId = newSnapshotId(base);
  const sequenceNumber = base['last-sequence-number'] + 1;
  const directory = metadataDirectory(base);
  const commitUuid = randomUUID();
  const parentManifests = parent === undefined ? [] : await readManifestList(io, parent['manifest-list']);

  const manifests: ManifestFileRecord[] = [];
  let manifestCount = 0;
  const nextManifestLocation = (): string => `${directory}/${commitUuid}-m${manifestCount++}.avro`;
  const write = async (entries: ManifestEntryRecord[]): Promise<void> => {
    const location = nextManifestLocation();
    manifests.push(await writeManifest({ io, location, schema, snapshotId, sequenceNumber, entries }));
  };

  if (addedFiles.length > 0) {
    await write(
      addedFiles.map((file) => ({
        status: ENTRY_STATUS.added,
        snapshot_id: snapshotId,
        sequence_number: sequenceNumber,
        file_sequence_number: sequenceNumber,
        data_file: file,
      })),
    );
  }

  const before = await parentTotals(io, parent, parentManifests);
  let removed = totalsOf([]);
  if (operation === 'append') {
    manifests.push(...parentManifests.filter(hasLiveFiles));
  } else if (operation === 'replace' && input.replacedFiles !== undefined) {
    removed = totalsOf(await replaceSome(io, parentManifests, new Set(input.replacedFiles), snapshotId, write, (m) => manifests.push(m)));
  } else {
    const live = await liveEntries(io, parentManifests);
    removed = totalsOf(live);
    if (live.length > 0) {
      await write(
        live.map((entry) => ({
          status: ENTRY_STATUS.deleted,
          snapshot_id: snapshotId,
          sequence_number: entry.sequence_number,
          file_sequence_number: entry.file_sequence_number,
          data_file: normalizeDataFile(entry.data_file),
        })),
      );
    }
  }

  const added = addedFiles.reduce(
    (sum, file) => ({ records: sum.records + file.record_count, bytes: sum.bytes + file.file_size_in_bytes }),
    { records: 0, bytes: 0 },
  );
  const summary: SnapshotSummary = {
    ...input.summary,
    operation,
    'added-data-files': String(addedFiles.length),
    'added-records': String(added.records),
    'added-files-size': String(added.bytes),
    'deleted-data-files': String(removed.files),
    'deleted-records': String(removed.records),
    'removed-files-size': String(removed.bytes),
    'total-data-files': String(before.files - removed.files + addedFiles.length),
    'total-records': String(before.records - removed.records + added.records),
    'total-files-size': String(before.bytes - removed.bytes + added.bytes),
    'total-delete-files': String(before.deleteFiles),
    'total-position-deletes': String(before.positionDeletes),
    'total-equality-deletes': String(before.equalityDeletes),
  };

  const manifestList = `${directory}/snap-${snapshotId}-1-${commitUuid}.avro`;
  const parentSnapshotId = parent?.['snapshot-id'] ?? null;
  await writeManifestList({ io, location: manifestList, snapshotId, parentSnapshotId, sequenceNumber, manifests });

  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    ...(parentSnapshotId === null ? {} : { 'parent-snapshot-id': parentSnapshotId }),
    'sequence-number': sequenceNumber,
    'timestamp-ms': timestamp,
    'manifest-list': manifestList,
    summary,
    'schema-id': schema['schema-id'],
  };
  return writeTableMetadata({
    io,
    previousLocation: input.metadataLocation,
    now: timestamp,
    metadata: capSnapshots({
      ...base,
      'last-sequence-number': sequenceNumber,
      'current-snapshot-id': snapshotId,
      snapshots: [...base.snapshots, snapshot],
      'snapshot-log': [...base['snapshot-log'], { 'snapshot-id': snapshotId, 'timestamp-ms': timestamp }],
      refs: { ...base.refs, main: { 'snapshot-id': snapshotId, type: 'branch' } },
    }),
  });
}
