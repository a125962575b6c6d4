import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Duck } from '../local/engine/duck.js';

/**
 * A small private DuckDB the Bauplan backend opens on first use: it parses queries before they
 * are submitted (the same check the local backend makes) and writes records as Parquet. It may
 * read and write only its own temp folder.
 */
export class ScratchDuck {
  readonly root = path.join(os.tmpdir(), `floodgate-bauplan-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  private duck: Promise<Duck> | undefined;

  get(): Promise<Duck> {
    this.duck ??= Duck.open({ memoryLimitBytes: 256_000_000, threads: 1, tempDirectory: path.join(this.root, 'tmp'), allowedDirectories: [this.root] });
    return this.duck;
  }

  async close(): Promise<void> {
    const duck = this.duck;
    this.duck = undefined;
    if (duck !== undefined) (await duck).close();
    await fs.rm(this.root, { recursive: true, force: true });
  }
}
