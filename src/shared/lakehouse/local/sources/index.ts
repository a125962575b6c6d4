import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SourceNotAllowedError } from '../../errors.js';
import type { ImportProgress, SourceFormat } from '../../lakehouse.js';
import { inferFormat } from './format.js';
import { listLocalFiles } from './local.js';
import { fetchS3Files, type ObjectStore } from './s3.js';
import type { ResolvedSource } from './types.js';

export { createS3ObjectStore, parseS3Uri } from './s3.js';
export type { ObjectStore } from './s3.js';
export type { ResolvedSource, SourceFile } from './types.js';
export { formatOf } from './format.js';

export interface ResolveSourceOptions {
  readonly roots: readonly string[];
  readonly cwd: string;
  readonly stagingRoot: string;
  readonly objectStore: () => ObjectStore;
  readonly format?: SourceFormat;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
}

/** Turns a source URI into local files DuckDB can read, after checking it against the allowed roots. */
export async function resolveSource(source: string, options: ResolveSourceOptions): Promise<ResolvedSource> {
  options.onProgress?.({ phase: 'resolving' });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^(file|s3):\/\//.test(source)) {
    const scheme = source.slice(0, source.indexOf(':'));
    throw new SourceNotAllowedError(source, `scheme ${scheme}:// is not supported (use a path, file:// or s3://)`);
  }
  if (source.startsWith('s3://')) {
    const stagingDir = path.join(options.stagingRoot, crypto.randomUUID());
    const cleanup = async () => fs.rm(stagingDir, { recursive: true, force: true });
    try {
      const files = await fetchS3Files(
        source,
        options.objectStore(),
        options.roots,
        stagingDir,
        (filesDone, filesTotal, bytesDone) =>
          options.onProgress?.({ phase: 'downloading', filesDone, filesTotal, bytesDone }),
        options.signal,
      );
      return { files, format: inferFormat(source, files.map((f) => f.uri), options.format), cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }
  const files = await listLocalFiles(source, options.roots, options.cwd);
  return {
    files,
    format: inferFormat(source, files.map((f) => f.uri), options.format),
    cleanup: async () => {},
  };
}
