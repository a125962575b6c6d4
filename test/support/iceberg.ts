import { encodeBound, newTableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';
import type { DataFileInput, FileIO, TableMetadata } from '../../src/shared/lakehouse/local/iceberg/index.js';

/** Small Iceberg fixtures: an in-memory FileIO, a two-column table and data files with stats. */
export const LOCATION = '/warehouse/taxi/trips';

/** An in-memory FileIO that counts reads. */
export function memoryIO(): FileIO & { files: Map<string, Uint8Array>; reads: string[] } {
  const files = new Map<string, Uint8Array>();
  const reads: string[] = [];
  return {
    files,
    reads,
    async write(location, data) {
      files.set(location, Uint8Array.from(data));
    },
    async read(location) {
      reads.push(location);
      const data = files.get(location);
      if (data === undefined) throw new Error(`no file ${location}`);
      return data;
    },
  };
}

export function dataFile(name: string, recordCount: number, fileSizeInBytes = recordCount * 100): DataFileInput {
  return {
    path: `${LOCATION}/data/${name}.parquet`,
    fileSizeInBytes,
    recordCount,
    columnSizes: new Map([[1, 40], [2, 60]]),
    valueCounts: new Map([[1, recordCount], [2, recordCount]]),
    nullValueCounts: new Map([[1, 0], [2, 1]]),
    lowerBounds: new Map([[1, encodeBound('long', 1)], [2, encodeBound('string', 'a')]]),
    upperBounds: new Map([[1, encodeBound('long', recordCount)], [2, encodeBound('string', 'z')]]),
  };
}

export function newTable(): TableMetadata {
  return newTableMetadata({
    location: LOCATION,
    schema: {
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'zone', required: false, type: 'string' },
      ],
    },
    now: 1_000,
  });
}
