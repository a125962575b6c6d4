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
