import { planExpiry, readTableMetadata, writeTableMetadata } from './iceberg/index.js';
import type { ExpireSnapshotsOptions, ExpireSnapshotsResult } from '../lakehouse.js';
import { InvalidInputError, TableChangedError, TableNotFoundError } from '../errors.js';
import { parseTableName, validateRefName } from '../names.js';
import type { CompactDeps } from './compact.js';
import { requireRef } from './refs.js';

export type ExpireDeps = Pick<CompactDeps, 'catalog' | 'io' | 'author'>;

export const DAY_MS = 86_400_000;
export const DEFAULT_SNAPSHOT_RETENTION_MS = 7 * DAY_MS;
const COMMIT_ATTEMPTS = 8;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidInputError(`${name} must be an integer of at least 1, got ${value}`);
  return value;
}

export function validAge(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new InvalidInputError(`${name} must be a duration of 0 or more, got ${value}`);
  return value;
}

/**
 * Writes the table's version on a branch again without its snapshots older than the window
 * (see planExpiry) and commits it with a compare-and-swap. No row changes, so when another
 * commit moved the table meanwhile the plan is simply made again on the new version.
 */
export async function expireSnapshots(deps: ExpireDeps, tableName: string, options: ExpireSnapshotsOptions = {}): Promise<ExpireSnapshotsResult> {
  const table = parseTableName(tableName);
  const branch = validateRefName(options.branch ?? 'main');
  const olderThanMs = validAge('olderThanMs', options.olderThanMs ?? DEFAULT_SNAPSHOT_RETENTION_MS);
  const retainLast = positiveInteger('retainLast', options.retainLast ?? 1);
  const minSnapshots = positiveInteger('minSnapshots', options.minSnapshots ?? 1);
  const cutoffMs = (options.now ?? Date.now()) - olderThanMs;

  for (let attempt = 1; ; attempt++) {
    const head = await requireRef(deps.catalog, branch, 'branch');
    const pointer = await deps.catalog.tableAt(head.commitId, table.qualified);
    if (pointer === undefined) throw new TableNotFoundError(table.qualified, branch);
    const metadata = await readTableMetadata(deps.io, pointer.metadataLocation);
    const plan = planExpiry(metadata, cutoffMs, retainLast);
    const before = metadata.snapshots.length;
    if (plan.expired.length < minSnapshots) return { table: table.qualified, outcome: 'skipped', snapshotsBefore: before, snapshotsAfter: before };
    if (options.dryRun === true) return { table: table.qualified, outcome: 'expired', snapshotsBefore: before, snapshotsAfter: plan.metadata.snapshots.length };
    await options.beforeCommit?.();
    const next = await writeTableMetadata({ io: deps.io, metadata: plan.metadata, previousLocation: pointer.metadataLocation });
    try {
      const commit = await deps.catalog.commitToBranch({
        branch,
        changes: [{ table: table.qualified, metadataLocation: next.metadataLocation, basedOn: pointer.metadataLocation }],
        message: options.message ?? `expire ${plan.expired.length} snapshots of ${table.qualified}`,
        author: options.author ?? deps.author,
        properties: {
          'floodgate.operation': 'expire-snapshots',
          'floodgate.table': table.qualified,
          'floodgate.snapshots-expired': String(plan.expired.length),
        },
      });
      return { table: table.qualified, outcome: 'expired', commit: commit.id, snapshotsBefore: before, snapshotsAfter: plan.metadata.snapshots.length };
    } catch (error) {
      // The unused metadata file is left for orphan removal, which deletes it once it is old enough.
      if (!(error instanceof TableChangedError) || attempt >= COMMIT_ATTEMPTS) throw error;
    }
  }
}
