import { describe, expect, it } from 'vitest';
import { commitSnapshot, liveDataFiles, planExpiry, readManifestEntries, readManifestList, rebaseVersion } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { FileIO, TableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { dataFile, memoryIO, newTable } from '../support/iceberg.js';

type Version = { metadata: TableMetadata; metadataLocation: string };

async function commit(io: FileIO, on: Version | undefined, operation: 'append' | 'overwrite' | 'replace', files: [string, number][], replaced?: string[]) {
  return commitSnapshot({
    io,
    metadata: on?.metadata ?? newTable(),
    metadataLocation: on?.metadataLocation ?? null,
    operation,
    addedFiles: files.map(([name, rows]) => dataFile(name, rows)),
    ...(replaced === undefined ? {} : { replacedFiles: replaced.map((name) => dataFile(name, 0).path) }),
  });
}

const live = async (io: FileIO, metadata: TableMetadata) => (await liveDataFiles(io, metadata)).map((f) => `${f.path.split('/').at(-1)}:${f.recordCount}`).sort();

describe('rebaseVersion', () => {
  /** base: a(3) + b(2); the source appends c(4); the target compacts a and b into ab(5). */
  async function scene() {
    const io = memoryIO();
    const v1 = await commit(io, undefined, 'append', [['a', 3]]);
    const base = await commit(io, v1, 'append', [['b', 2]]);
    const source = await commit(io, base, 'append', [['c', 4]]);
    const target = await commit(io, base, 'replace', [['ab', 5]], ['a', 'b']);
    return { io, base, source, target };
  }

  it("puts the source's new files on top of a compacted target, with their stats, as one append", async () => {
    const { io, base, source, target } = await scene();
    const next = await rebaseVersion({ io, base: base.metadata, target: target.metadata, targetLocation: target.metadataLocation, source: source.metadata });
    expect(next).toBeDefined();
    const metadata = next!.metadata;
    expect(await live(io, metadata)).toEqual(['ab.parquet:5', 'c.parquet:4']);
    const newest = metadata.snapshots.at(-1)!;
    expect(newest).toMatchObject({ 'parent-snapshot-id': target.metadata['current-snapshot-id'], 'sequence-number': target.metadata['last-sequence-number'] + 1 });
    expect(newest.summary).toMatchObject({ operation: 'append', 'added-data-files': '1', 'added-records': '4', 'total-records': '9', 'total-data-files': '2' });
    expect(newest.summary['floodgate.rebased-from']).toBe(String(source.metadata['current-snapshot-id']));
    // The carried entry is re-stamped with the new snapshot and keeps the file's column stats.
    const [added] = await readManifestList(io, newest['manifest-list']);
    const [entry] = await readManifestEntries(io, added!);
    const original = (await readManifestEntries(io, (await readManifestList(io, source.metadata.snapshots.at(-1)!['manifest-list']))[0]!))[0]!;
    expect(entry).toMatchObject({ status: 1, snapshot_id: newest['snapshot-id'], sequence_number: newest['sequence-number'] });
    expect(entry?.data_file.lower_bounds).toEqual(original.data_file.lower_bounds);
    expect(entry?.data_file.file_path).toBe(original.data_file.file_path);
  });

  it('refuses when the target gained rows, the source compacted, the tables differ, or expiry cut the lineage', async () => {
    const { io, base, source, target } = await scene();
    const rebase = (t: Version, s: Version, b: Version = base) =>
      rebaseVersion({ io, base: b.metadata, target: t.metadata, targetLocation: t.metadataLocation, source: s.metadata });

    const grown = await commit(io, target, 'append', [['d', 1]]);
    expect(await rebase(grown, source)).toBeUndefined();
    const tidySource = await commit(io, source, 'replace', [['abc', 9]], ['a', 'b', 'c']);
    expect(await rebase(target, tidySource)).toBeUndefined();
    const stranger = await commit(io, undefined, 'append', [['c', 4]]);
    expect(await rebase(target, stranger)).toBeUndefined();
    expect(await rebase(target, base)).toBeUndefined();

    // Compacted twice, then every older snapshot expired: nothing shows the rows stayed the same.
    const twice = await commit(io, target, 'replace', [['x', 5]], ['ab']);
    expect(await rebase(twice, source)).toBeDefined();
    const plan = planExpiry(twice.metadata, Date.now() + 1000, 1);
    expect(plan.metadata.snapshots).toHaveLength(1);
    expect(await rebase({ metadata: plan.metadata, metadataLocation: twice.metadataLocation }, source)).toBeUndefined();
    // Expiry alone (the target's current snapshot is still the base's) is fine.
    const trimmed = planExpiry(base.metadata, Date.now() + 1000, 1);
    expect(await live(io, (await rebase({ metadata: trimmed.metadata, metadataLocation: base.metadataLocation }, source))!.metadata)).toEqual([
      'a.parquet:3',
      'b.parquet:2',
      'c.parquet:4',
    ]);
  });

  it('turns a source overwrite into an overwrite of the target', async () => {
    const { io, base, target } = await scene();
    const swapped = await commit(io, base, 'overwrite', [['new', 7]]);
    const next = await rebaseVersion({ io, base: base.metadata, target: target.metadata, targetLocation: target.metadataLocation, source: swapped.metadata });
    expect(await live(io, next!.metadata)).toEqual(['new.parquet:7']);
    expect(next!.metadata.snapshots.at(-1)?.summary).toMatchObject({ operation: 'overwrite', 'deleted-records': '5', 'total-records': '7' });
  });
});
