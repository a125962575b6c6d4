import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import type { AppendRecordsRequest, ColumnInfo } from '../lakehouse.js';
import { recordColumnTypes } from '../local/engine/records.js';
import { quoteIdent, quoteString } from '../local/engine/types.js';
import type { ScratchDuck } from './scratch-duck.js';

/**
 * Writes records Floodgate produces (audit history) as one typed Parquet file that a remote
 * import can read: column types come from the values and the table's existing schema, so a
 * column holding only nulls keeps the table's type instead of being guessed.
 */
export class RecordWriter {
  private readonly scratch: ScratchDuck;

  constructor(scratch: ScratchDuck) {
    this.scratch = scratch;
  }

  async write<T>(request: AppendRecordsRequest, existing: readonly ColumnInfo[] | undefined, use: (file: string, folder: string) => Promise<T>): Promise<T> {
    if (request.records.length === 0) throw new InvalidInputError('appendRecords needs at least one record');
    const types = recordColumnTypes(request.records, existing);
    for (const record of request.records) {
      for (const name of Object.keys(record)) types[name] ??= 'VARCHAR';
    }
    const folder = path.join(this.scratch.root, crypto.randomUUID());
    await fs.mkdir(folder, { recursive: true });
    try {
      const json = path.join(folder, 'records.jsonl');
      const parquet = path.join(folder, 'records.parquet');
      await fs.writeFile(json, request.records.map((record) => JSON.stringify(record)).join('\n'));
      const columns = Object.entries(types).map(([name, type]) => `${quoteString(name)}: ${quoteString(type)}`).join(', ');
      const select = Object.keys(types).map(quoteIdent).join(', ');
      const duck = await this.scratch.get();
      await duck.withConnection((connection) =>
        connection.run(`COPY (SELECT ${select} FROM read_json(${quoteString(json)}, columns = {${columns}}, format = 'newline_delimited')) TO ${quoteString(parquet)} (FORMAT parquet)`),
      );
      await fs.rm(json);
      return await use(parquet, folder);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }
}
