import type { Snapshot, TableMetadata } from './types.js';

export interface ExpiryPlan {
  /** The table version without the expired snapshots (not written yet). */
  readonly metadata: TableMetadata;
  readonly expired: readonly Snapshot[];
}

/**
 * Iceberg's expire_snapshots rule on one table version: a snapshot made before `cutoffMs` goes,
 * unless it is one of the newest `retainLast` snapshots of the current lineage or a ref
 * points at it. Expired snapshots leave `snapshots` and `snapshot-log`; metadata-log entries
 * made before the cutoff go too. Parent ids of the kept snapshots may then point at
 * snapshots no longer listed, as the spec allows.
 */
export function planExpiry(metadata: TableMetadata, cutoffMs: number, retainLast: number): ExpiryPlan {
  const byId = new Map(metadata.snapshots.map((snapshot) => [snapshot['snapshot-id'], snapshot]));
  const keep = new Set<number>(Object.values(metadata.refs).map((ref) => ref['snapshot-id']));
  let id = metadata['current-snapshot-id'] ?? undefined;
  for (let kept = 0; id !== undefined && kept < retainLast; kept++) {
    keep.add(id);
    id = byId.get(id)?.['parent-snapshot-id'];
  }
  for (const snapshot of metadata.snapshots) if (snapshot['timestamp-ms'] >= cutoffMs) keep.add(snapshot['snapshot-id']);
  const expired = metadata.snapshots.filter((snapshot) => !keep.has(snapshot['snapshot-id']));
  if (expired.length === 0) return { metadata, expired };
  return {
    expired,
    metadata: {
      ...metadata,
      snapshots: metadata.snapshots.filter((snapshot) => keep.has(snapshot['snapshot-id'])),
      'snapshot-log': metadata['snapshot-log'].filter((entry) => keep.has(entry['snapshot-id'])),
      'metadata-log': metadata['metadata-log'].filter((entry) => entry['timestamp-ms'] >= cutoffMs),
    },
  };
}

/**
 * How many snapshots a table version lists at most. Without a cap every version would carry every
 * snapshot made within the retention window, and since the catalog keeps each version's metadata
 * file for that window too, disk use and the orphan sweep's reading would grow with the square of
 * the commits (2,000 appends: 2 GB of metadata). Floodgate's own time travel goes through the
 * catalog's commits, each naming its version, so it needs no older snapshot in the list; other
 * engines can travel by snapshot id among the newest ones.
 */
export const MAX_SNAPSHOTS_PER_VERSION = 100;

/** The version with at most `max` snapshots: the newest, and every one a ref points at. */
export function capSnapshots(metadata: TableMetadata, max = MAX_SNAPSHOTS_PER_VERSION): TableMetadata {
  if (metadata.snapshots.length <= max) return metadata;
  const keep = new Set<number>(Object.values(metadata.refs).map((ref) => ref['snapshot-id']));
  const newestFirst = [...metadata.snapshots].sort((a, b) => b['sequence-number'] - a['sequence-number'] || b['timestamp-ms'] - a['timestamp-ms']);
  for (const snapshot of newestFirst) {
    if (keep.size >= max) break;
    keep.add(snapshot['snapshot-id']);
  }
  return {
    ...metadata,
    snapshots: metadata.snapshots.filter((snapshot) => keep.has(snapshot['snapshot-id'])),
    'snapshot-log': metadata['snapshot-log'].filter((entry) => keep.has(entry['snapshot-id'])),
  };
}
