import { describe, expect, it } from 'vitest';
import { decodeAvroContainer } from '../../src/shared/lakehouse/local/iceberg/avro-container.js';
import {
  commitSnapshot,
  currentSnapshot,
  liveDataFiles,
  newTableMetadata,
  readTableMetadata,
  tableSummary,
  withSchema,
  writeTableMetadata,
} from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { TableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import { LOCATION, dataFile, memoryIO, newTable } from '../support/iceberg.js';

function decode(io: ReturnType<typeof memoryIO>, location: string): ReturnType<typeof decodeAvroContainer> {
  return decodeAvroContainer(io.files.get(location)!, location);
}

interface ManifestRow {
  manifest_path: string;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  deleted_rows_count: number;
  partitions: unknown[];
}

function manifestRows(io: ReturnType<typeof memoryIO>, metadata: TableMetadata): ManifestRow[] {
  return decode(io, currentSnapshot(metadata)!['manifest-list']).records as ManifestRow[];
}

const names = (files: { path: string }[]): string[] => files.map((file) => file.path.split('/').at(-1)!).sort();

describe('commitSnapshot', () => {
  it('appends, then overwrites, with the right live files, summaries and logs', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 3)], now: 2_000 });
    expect(v1.metadataLocation).toMatch(new RegExp(`^${LOCATION}/metadata/00000-[0-9a-f-]{36}\\.metadata\\.json$`));
    const s1 = currentSnapshot(v1.metadata)!;
    expect(s1['snapshot-id']).toBeGreaterThan(0);
    expect(s1['snapshot-id']).toBeLessThan(2 ** 53);
    expect(s1['parent-snapshot-id']).toBeUndefined();
    expect(s1['sequence-number']).toBe(1);
    expect(s1['timestamp-ms']).toBe(2_000);
    expect(s1['manifest-list']).toMatch(new RegExp(`^${LOCATION}/metadata/snap-${s1['snapshot-id']}-1-[0-9a-f-]{36}\\.avro$`));
    expect(v1.metadata.refs).toEqual({ main: { 'snapshot-id': s1['snapshot-id'], type: 'branch' } });
    expect(v1.metadata['metadata-log']).toEqual([]);

    const v2 = await commitSnapshot({
      io,
      metadata: v1.metadata,
      metadataLocation: v1.metadataLocation,
      operation: 'append',
      addedFiles: [dataFile('b', 2), dataFile('c', 5)],
      summary: { 'floodgate.job': 'j-1', operation: 'delete' },
      now: 3_000,
    });
    const s2 = currentSnapshot(v2.metadata)!;
    expect(v2.metadataLocation).toMatch(/\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(s2['parent-snapshot-id']).toBe(s1['snapshot-id']);
    expect(s2['sequence-number']).toBe(2);
    expect(s2.summary).toEqual({
      'floodgate.job': 'j-1',
      operation: 'append',
      'added-data-files': '2',
      'added-records': '7',
      'added-files-size': '700',
      'deleted-data-files': '0',
      'deleted-records': '0',
      'removed-files-size': '0',
      'total-data-files': '3',
      'total-records': '10',
      'total-files-size': '1000',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });
    expect(names(await liveDataFiles(io, v2.metadata))).toEqual(['a.parquet', 'b.parquet', 'c.parquet']);
    expect(await liveDataFiles(io, v2.metadata)).toContainEqual({ path: `${LOCATION}/data/c.parquet`, recordCount: 5, fileSizeInBytes: 500 });
    expect(tableSummary(v2.metadata)).toEqual({ rows: 10, files: 3, bytes: 1000 });
    expect(v2.metadata['metadata-log']).toEqual([{ 'metadata-file': v1.metadataLocation, 'timestamp-ms': 2_000 }]);
    expect(v2.metadata['last-sequence-number']).toBe(2);
    expect(v2.metadata['snapshot-log'].map((entry) => entry['snapshot-id'])).toEqual([s1['snapshot-id'], s2['snapshot-id']]);

    // The new manifest comes first; the first snapshot's manifest is carried over unchanged.
    const rows2 = manifestRows(io, v2.metadata);
    expect(rows2).toHaveLength(2);
    expect(rows2[1]).toEqual(manifestRows(io, v1.metadata)[0]);
    expect(rows2[0]).toMatchObject({ sequence_number: 2, min_sequence_number: 2, added_snapshot_id: s2['snapshot-id'], added_files_count: 2, added_rows_count: 7, partitions: [] });

    const v3 = await commitSnapshot({ io, metadata: v2.metadata, metadataLocation: v2.metadataLocation, operation: 'overwrite', addedFiles: [dataFile('d', 4)], now: 4_000 });
    const s3 = currentSnapshot(v3.metadata)!;
    expect(names(await liveDataFiles(io, v3.metadata))).toEqual(['d.parquet']);
    expect(s3.summary).toMatchObject({
      operation: 'overwrite',
      'added-data-files': '1',
      'added-records': '4',
      'deleted-data-files': '3',
      'deleted-records': '10',
      'removed-files-size': '1000',
      'total-data-files': '1',
      'total-records': '4',
      'total-files-size': '400',
    });
    expect(v3.metadata['metadata-log'].map((entry) => entry['metadata-file'])).toEqual([v1.metadataLocation, v2.metadataLocation]);

    const rows3 = manifestRows(io, v3.metadata);
    expect(rows3.map((row) => [row.added_files_count, row.existing_files_count, row.deleted_files_count, row.deleted_rows_count])).toEqual([
      [1, 0, 0, 0],
      [0, 0, 3, 10],
    ]);
    // Deleted entries keep the data sequence numbers of the files they remove.
    const deleted = decode(io, rows3[1]!.manifest_path).records as { status: number; snapshot_id: number; sequence_number: number; file_sequence_number: number; data_file: { file_path: string } }[];
    expect(deleted.map((entry) => [entry.data_file.file_path.split('/').at(-1), entry.status, entry.snapshot_id, entry.sequence_number, entry.file_sequence_number]).sort()).toEqual([
      ['a.parquet', 2, s3['snapshot-id'], 1, 1],
      ['b.parquet', 2, s3['snapshot-id'], 2, 2],
      ['c.parquet', 2, s3['snapshot-id'], 2, 2],
    ]);

    // A later append drops the manifest that only records deletions.
    const v4 = await commitSnapshot({ io, metadata: v3.metadata, metadataLocation: v3.metadataLocation, operation: 'append', addedFiles: [dataFile('e', 1)] });
    expect(manifestRows(io, v4.metadata).map((row) => row.added_files_count)).toEqual([1, 1]);
    expect(names(await liveDataFiles(io, v4.metadata))).toEqual(['d.parquet', 'e.parquet']);
    expect(tableSummary(v4.metadata)).toEqual({ rows: 5, files: 2, bytes: 500 });
  });

  it('replaces some files: untouched manifests carry over, the touched ones\' other files stay as EXISTING', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 3), dataFile('big', 50)], now: 2_000 });
    const v2 = await commitSnapshot({ io, metadata: v1.metadata, metadataLocation: v1.metadataLocation, operation: 'append', addedFiles: [dataFile('b', 2)], now: 3_000 });
    const v3 = await commitSnapshot({ io, metadata: v2.metadata, metadataLocation: v2.metadataLocation, operation: 'append', addedFiles: [dataFile('c', 4)], now: 4_000 });
    const [s1, s3] = [currentSnapshot(v1.metadata)!, currentSnapshot(v3.metadata)!];
    const path = (name: string) => `${LOCATION}/data/${name}.parquet`;

    const v4 = await commitSnapshot({
      io,
      metadata: v3.metadata,
      metadataLocation: v3.metadataLocation,
      operation: 'replace',
      addedFiles: [dataFile('ab', 5)],
      replacedFiles: [path('a'), path('b')],
      now: 5_000,
    });
    const s4 = currentSnapshot(v4.metadata)!;
    expect(names(await liveDataFiles(io, v4.metadata))).toEqual(['ab.parquet', 'big.parquet', 'c.parquet']);
    expect(s4.summary).toMatchObject({ operation: 'replace', 'added-data-files': '1', 'deleted-data-files': '2', 'deleted-records': '5', 'total-data-files': '3', 'total-records': '59' });
    expect(tableSummary(v4.metadata)).toEqual({ rows: 59, files: 3, bytes: 5900 });

    // The new file's manifest; c's carried over unchanged; the touched manifests' other file (big)
    // as EXISTING in one manifest; a and b as DELETED in another.
    const rows = manifestRows(io, v4.metadata);
    expect(rows.map((row) => [row.added_files_count, row.existing_files_count, row.deleted_files_count])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 2],
    ]);
    expect(rows[1]).toEqual(manifestRows(io, v3.metadata)[0]);
    type Entry = { status: number; snapshot_id: number; sequence_number: number; data_file: { file_path: string } };
    const entries = [rows[2], rows[3]].flatMap((row) => decode(io, row!.manifest_path).records as Entry[]);
    expect(entries.map((entry) => [entry.data_file.file_path.split('/').at(-1), entry.status, entry.snapshot_id, entry.sequence_number]).sort()).toEqual([
      ['a.parquet', 2, s4['snapshot-id'], 1],
      ['b.parquet', 2, s4['snapshot-id'], 2],
      ['big.parquet', 0, s1['snapshot-id'], 1],
    ]);
    expect(s3['sequence-number']).toBe(3);

    await expect(
      commitSnapshot({ io, metadata: v4.metadata, metadataLocation: v4.metadataLocation, operation: 'replace', addedFiles: [dataFile('x', 1)], replacedFiles: [path('a')] }),
    ).rejects.toThrow(/cannot replace 1 file\(s\) that are not live in the table/);
  });

  it('commits an empty append as a snapshot without a new manifest', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [] });
    expect(manifestRows(io, v1.metadata)).toEqual([]);
    expect(await liveDataFiles(io, v1.metadata)).toEqual([]);
    expect(tableSummary(v1.metadata)).toEqual({ rows: 0, files: 0, bytes: 0 });
    const v2 = await commitSnapshot({ io, metadata: v1.metadata, metadataLocation: v1.metadataLocation, operation: 'append', addedFiles: [dataFile('a', 2)] });
    const v3 = await commitSnapshot({ io, metadata: v2.metadata, metadataLocation: v2.metadataLocation, operation: 'append', addedFiles: [] });
    expect(manifestRows(io, v3.metadata)).toEqual(manifestRows(io, v2.metadata));
    expect(currentSnapshot(v3.metadata)!.summary).toMatchObject({ 'added-data-files': '0', 'total-data-files': '1', 'total-records': '2' });
    expect(v3.metadata.snapshots).toHaveLength(3);
    // An overwrite with nothing added empties the table.
    const v4 = await commitSnapshot({ io, metadata: v3.metadata, metadataLocation: v3.metadataLocation, operation: 'overwrite', addedFiles: [] });
    expect(await liveDataFiles(io, v4.metadata)).toEqual([]);
    expect(tableSummary(v4.metadata)).toEqual({ rows: 0, files: 0, bytes: 0 });
  });

  it('writes manifests and manifest lists with the Iceberg v2 Avro schemas and key-value metadata', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 3)] });
    const snapshot = currentSnapshot(v1.metadata)!;
    const list = decode(io, snapshot['manifest-list']);
    expect(list.metadata).toEqual({ 'snapshot-id': String(snapshot['snapshot-id']), 'parent-snapshot-id': 'null', 'sequence-number': '1', 'format-version': '2' });
    expect(list.schema).toMatchObject({ type: 'record', name: 'manifest_file' });
    const listFields = (list.schema as { fields: { name: string; 'field-id': number }[] }).fields;
    expect(listFields.map((field) => [field.name, field['field-id']])).toEqual([
      ['manifest_path', 500], ['manifest_length', 501], ['partition_spec_id', 502], ['content', 517], ['sequence_number', 515],
      ['min_sequence_number', 516], ['added_snapshot_id', 503], ['added_files_count', 504], ['existing_files_count', 505],
      ['deleted_files_count', 506], ['added_rows_count', 512], ['existing_rows_count', 513], ['deleted_rows_count', 514],
      ['partitions', 507], ['key_metadata', 519],
    ]);

    const row = list.records[0] as ManifestRow & { manifest_length: number };
    expect(row.manifest_length).toBe(io.files.get(row.manifest_path)!.length);
    expect(row.manifest_path).toMatch(new RegExp(`^${LOCATION}/metadata/[0-9a-f-]{36}-m0\\.avro$`));
    const manifest = decode(io, row.manifest_path);
    expect(manifest.metadata).toEqual({
      schema: JSON.stringify(v1.metadata.schemas[0]),
      'schema-id': '0',
      'partition-spec': '[]',
      'partition-spec-id': '0',
      'format-version': '2',
      content: 'data',
    });
    const schemaText = JSON.stringify(manifest.schema);
    expect(manifest.schema).toMatchObject({ name: 'manifest_entry' });
    for (const fragment of ['"name":"r2"', '"name":"r102"', '"name":"k117_v118"', '"name":"k126_v127"', '"logicalType":"map"', '"field-id":137', '"element-id":133']) {
      expect(schemaText).toContain(fragment);
    }
    const [entry] = manifest.records as { status: number; sequence_number: number; data_file: Record<string, unknown> }[];
    expect(entry!.status).toBe(1);
    expect(entry!.sequence_number).toBe(1);
    expect(entry!.data_file).toMatchObject({
      content: 0,
      file_path: `${LOCATION}/data/a.parquet`,
      file_format: 'PARQUET',
      record_count: 3,
      file_size_in_bytes: 300,
      column_sizes: [{ key: 1, value: 40 }, { key: 2, value: 60 }],
      null_value_counts: [{ key: 1, value: 0 }, { key: 2, value: 1 }],
    });
    expect((entry!.data_file.upper_bounds as { key: number; value: Buffer }[]).map((bound) => [bound.key, bound.value.toString('hex')])).toEqual([
      [1, '0300000000000000'],
      [2, '7a'],
    ]);
  });

  it('records the current schema id on the snapshot and in the manifest', async () => {
    const io = memoryIO();
    const evolved = withSchema(newTable(), [
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 2, name: 'zone', required: false, type: 'string' },
      { id: 3, name: 'tip', required: false, type: 'double' },
    ]);
    const v1 = await commitSnapshot({ io, metadata: evolved, metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 1)] });
    expect(currentSnapshot(v1.metadata)!['schema-id']).toBe(1);
    const row = manifestRows(io, v1.metadata)[0]!;
    expect(decode(io, row.manifest_path).metadata['schema-id']).toBe('1');
  });

  it('rejects duplicate or malformed data files', async () => {
    const io = memoryIO();
    const base = { io, metadata: newTable(), metadataLocation: null, operation: 'append' as const };
    await expect(commitSnapshot({ ...base, addedFiles: [dataFile('a', 1), dataFile('a', 2)] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(commitSnapshot({ ...base, addedFiles: [{ ...dataFile('a', 1), recordCount: -1 }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(io.files.size).toBe(0);
  });
});

describe('reading metadata and manifests', () => {
  it('reads a metadata file back as written, cached and frozen', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 3)] });
    const fresh = memoryIO();
    for (const [location, data] of io.files) await fresh.write(location, data);
    const read = await readTableMetadata(fresh, v1.metadataLocation);
    expect(read).toEqual(v1.metadata);
    expect(Object.isFrozen(read.snapshots)).toBe(true);
    expect(await readTableMetadata(fresh, v1.metadataLocation)).toBe(read);
    expect(fresh.reads.filter((location) => location === v1.metadataLocation)).toHaveLength(1);
  });

  it('writes -1 for a table without a snapshot and reads it back as null', async () => {
    const io = memoryIO();
    const written = await writeTableMetadata({ io, metadata: newTable(), previousLocation: null, now: 5_000 });
    const json = JSON.parse(new TextDecoder().decode(io.files.get(written.metadataLocation)!)) as Record<string, unknown>;
    expect(json['current-snapshot-id']).toBe(-1);
    expect(json['last-updated-ms']).toBe(5_000);
    const fresh = memoryIO();
    await fresh.write(written.metadataLocation, io.files.get(written.metadataLocation)!);
    expect((await readTableMetadata(fresh, written.metadataLocation))['current-snapshot-id']).toBeNull();
  });

  it('rejects metadata that is not Iceberg v2', async () => {
    const io = memoryIO();
    await io.write('/t/v1.metadata.json', new TextEncoder().encode(JSON.stringify({ 'format-version': 1 })));
    await io.write('/t/bad.metadata.json', new TextEncoder().encode('{'));
    await expect(readTableMetadata(io, '/t/v1.metadata.json')).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(readTableMetadata(io, '/t/bad.metadata.json')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('serves repeated liveDataFiles calls from the cache', async () => {
    const io = memoryIO();
    const v1 = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('a', 3)] });
    const v2 = await commitSnapshot({ io, metadata: v1.metadata, metadataLocation: v1.metadataLocation, operation: 'append', addedFiles: [dataFile('b', 3)] });
    const reader = memoryIO();
    for (const [location, data] of io.files) await reader.write(location, data);
    const metadata = await readTableMetadata(reader, v2.metadataLocation);
    expect(names(await liveDataFiles(reader, metadata))).toEqual(['a.parquet', 'b.parquet']);
    const readsAfterFirst = reader.reads.length;
    expect(readsAfterFirst).toBe(4); // metadata, manifest list, two manifests
    expect(names(await liveDataFiles(reader, metadata))).toEqual(['a.parquet', 'b.parquet']);
    expect(reader.reads).toHaveLength(readsAfterFirst);
  });

  it('keeps write.metadata.previous-versions-max entries in metadata-log', async () => {
    const io = memoryIO();
    let current = { metadata: newTableMetadata({ location: LOCATION, schema: { fields: [] }, properties: { 'write.metadata.previous-versions-max': '2' } }), metadataLocation: null as string | null };
    const locations: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const next = await commitSnapshot({ io, metadata: current.metadata, metadataLocation: current.metadataLocation, operation: 'append', addedFiles: [] });
      locations.push(next.metadataLocation);
      current = next;
    }
    expect(current.metadata['metadata-log'].map((entry) => entry['metadata-file'])).toEqual(locations.slice(1, 3));
    expect(locations.map((location) => location.split('/').at(-1)!.slice(0, 5))).toEqual(['00000', '00001', '00002', '00003']);
  });

  it('lists at most the newest 100 snapshots in a version, so metadata does not grow with every commit', async () => {
    const io = memoryIO();
    let version = await commitSnapshot({ io, metadata: newTable(), metadataLocation: null, operation: 'append', addedFiles: [dataFile('f0', 1)], now: 1_000 });
    for (let i = 1; i < 105; i++) {
      version = await commitSnapshot({ io, metadata: version.metadata, metadataLocation: version.metadataLocation, operation: 'append', addedFiles: [dataFile(`f${i}`, 1)], now: 1_000 + i });
    }
    const { metadata } = version;
    expect(metadata.snapshots).toHaveLength(100);
    expect(metadata.snapshots.map((s) => s['sequence-number'])).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));
    expect(metadata['snapshot-log'].every((entry) => metadata.snapshots.some((s) => s['snapshot-id'] === entry['snapshot-id']))).toBe(true);
    expect(currentSnapshot(metadata)?.['sequence-number']).toBe(105);
    // Every file appended is still live: the current snapshot's manifests carry all of them.
    expect(await liveDataFiles(io, metadata)).toHaveLength(105);
  });
});
