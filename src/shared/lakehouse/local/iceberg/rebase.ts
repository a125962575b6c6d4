/**
 * Rebasing a branch's writes to one table onto a newer version of the same table that only
 * maintenance moved (compaction `replace` snapshots, snapshot expiry). Both keep every row, so
 * the branch's rows on top of the newer version are exactly the rows the branch holds, and
 * anything audited on the branch is what gets published.
 */
import type { DataFileRecord } from './avro-schemas.js';
import { commitSnapshot } from './commit.js';
import type { FileIO } from './file-io.js';
import { currentEntries } from './scan.js';
import type { Snapshot, TableMetadata } from './types.js';

/** Snapshot operations that keep every row of the table. */
const ROW_KEEPING = new Set(['replace']);
/** Snapshot operations a branch's writes may be made of to be rebased. */
const REBASABLE = new Set(['append', 'overwrite']);

export interface RebaseInput {
  readonly io: FileIO;
  /** The table at the two sides' common ancestor commit. */
  readonly base: TableMetadata;
  /** The table on the branch being merged into, and where that version lives. */
  readonly target: TableMetadata;
  readonly targetLocation: string;
  /** The table on the side being merged. */
  readonly source: TableMetadata;
}

/**
 * The snapshots from the current one back to (not including) `until`, newest first; undefined
 * when the chain is broken before reaching it (expired or unrelated snapshots).
 */
function snapshotsSince(metadata: TableMetadata, until: number | null): Snapshot[] | undefined {
  const byId = new Map(metadata.snapshots.map((snapshot) => [snapshot['snapshot-id'], snapshot]));
  const chain: Snapshot[] = [];
  let id = metadata['current-snapshot-id'];
  while (id !== until) {
    const snapshot = id === null ? undefined : byId.get(id);
    if (snapshot === undefined || chain.length >= metadata.snapshots.length) return undefined;
    chain.push(snapshot);
    id = snapshot['parent-snapshot-id'] ?? null;
  }
  return chain;
}

/** The current snapshot's live data files by path. */
async function liveFiles(io: FileIO, metadata: TableMetadata): Promise<Map<string, DataFileRecord>> {
  return new Map((await currentEntries(io, metadata)).map((entry) => [entry.data_file.file_path, entry.data_file]));
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * A new version of the target holding the source's writes since the base, as one snapshot on
 * top of the target's current one: an `append` of the files the source added, or an
 * `overwrite` when the source replaced every file. Undefined (the caller keeps the conflict)
 * unless the three are one table, the target changed only by row-keeping snapshots with the
 * base's schema, and the source only by appends and overwrites; the source's schema is taken.
 */
export async function rebaseVersion(input: RebaseInput): Promise<{ metadata: TableMetadata; metadataLocation: string } | undefined> {
  const { io, base, target, source } = input;
  const uuid = base['table-uuid'];
  if (target['table-uuid'] !== uuid || source['table-uuid'] !== uuid) return undefined;
  if (!sameJson(target.schemas, base.schemas) || target['current-schema-id'] !== base['current-schema-id']) return undefined;
  if (!sameJson(target['partition-specs'], base['partition-specs'])) return undefined;
  const baseSnapshot = base['current-snapshot-id'];
  const targetSide = snapshotsSince(target, baseSnapshot);
  const sourceSide = snapshotsSince(source, baseSnapshot);
  if (targetSide === undefined || !targetSide.every((snapshot) => ROW_KEEPING.has(snapshot.summary.operation))) return undefined;
  if (sourceSide === undefined || sourceSide.length === 0 || !sourceSide.every((snapshot) => REBASABLE.has(snapshot.summary.operation))) return undefined;

  const [baseFiles, sourceFiles] = await Promise.all([liveFiles(io, base), liveFiles(io, source)]);
  const added = [...sourceFiles.values()].filter((file) => !baseFiles.has(file.file_path));
  const overwrote = sourceSide.some((snapshot) => snapshot.summary.operation === 'overwrite');
  const kept = [...baseFiles.keys()].filter((file) => sourceFiles.has(file));
  // An overwrite drops every base file; appends keep them all. Anything else is not a plain rebase.
  if (overwrote ? kept.length > 0 : kept.length !== baseFiles.size) return undefined;

  const newest = sourceSide[0]!;
  return commitSnapshot({
    io,
    metadata: {
      ...target,
      schemas: source.schemas,
      'current-schema-id': source['current-schema-id'],
      'last-column-id': source['last-column-id'],
    },
    metadataLocation: input.targetLocation,
    operation: overwrote ? 'overwrite' : 'append',
    addedFiles: [],
    carriedFiles: added,
    summary: { ...newest.summary, 'floodgate.rebased-from': String(newest['snapshot-id']) },
  });
}
