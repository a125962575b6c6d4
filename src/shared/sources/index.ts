import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SourceChangedError, SourceNotAllowedError } from '../lakehouse/errors.js';
import type { ImportProgress, SourceFormat } from '../lakehouse/lakehouse.js';
import { inferFormat } from './format.js';
import { listLocalFiles } from './local.js';
import { downloadS3Objects, listS3Objects, s3Uri, type ObjectStore, type S3Object } from './s3.js';
import type { ResolvedSource, SourceFile } from './types.js';

export { createS3ObjectStore, parseS3Uri } from './s3.js';
export type { ObjectStore } from './s3.js';
export type { ResolvedSource, SourceFile } from './types.js';

export interface ResolveSourceOptions {
  readonly roots: readonly string[];
  readonly cwd: string;
  readonly stagingRoot: string;
  readonly objectStore: () => ObjectStore;
  readonly format?: SourceFormat;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
  /**
   * The files the source must name, as `uri|size|version` fingerprints (those taken at enqueue).
   * Anything else listed now, or anything changed or gone, is a SourceChangedError: a run loads
   * exactly the files it was enqueued with, so none is loaded without being recorded.
   */
  readonly expectedFiles?: readonly string[];
}

/** An S3 object as a listed file: its URI, size and ETag. */
function listedObject(object: S3Object): { uri: string; size: number; version: string } {
  return { uri: s3Uri(object), size: object.size, version: object.etag };
}

/** `uri|size|version`: what a run records of each source file (see ListedFile). */
export function fingerprintOf(file: { readonly uri: string; readonly size: number; readonly version: string }): string {
  return `${file.uri}|${file.size}|${file.version}`;
}

/** Throws SourceChangedError unless `listed` are exactly the `expected` fingerprints (when given). */
export function requireExpectedFiles(source: string, listed: ReadonlyArray<{ uri: string; size: number; version: string }>, expected: readonly string[] | undefined): void {
  if (expected === undefined) return;
  // The uri is all but the last two fields: a file name may itself hold a '|'.
  const uriOf = (fingerprint: string) => fingerprint.slice(0, fingerprint.lastIndexOf('|', fingerprint.lastIndexOf('|') - 1));
  const wanted = new Map(expected.map((fingerprint) => [uriOf(fingerprint), fingerprint]));
  const seen = new Set<string>();
  const added: string[] = [];
  const changed: string[] = [];
  for (const file of listed) {
    seen.add(file.uri);
    const fingerprint = wanted.get(file.uri);
    if (fingerprint === undefined) added.push(file.uri);
    else if (fingerprint !== fingerprintOf(file)) changed.push(file.uri);
  }
  const missing = [...wanted.keys()].filter((uri) => !seen.has(uri));
  if (added.length + changed.length + missing.length > 0) throw new SourceChangedError(source, { added, missing, changed });
}

function checkScheme(source: string): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) && !/^(file|s3):\/\//.test(source)) {
    const scheme = source.slice(0, source.indexOf(':'));
    throw new SourceNotAllowedError(source, `scheme ${scheme}:// is not supported (use a path, file:// or s3://)`);
  }
}

/** One file of a source listing: with uri, size and version it fingerprints the file. */
export interface ListedFile {
  readonly uri: string;
  readonly size: number;
  readonly version: string;
}

/**
 * Lists a source without reading or downloading it, after the same checks an import makes:
 * what producers fingerprint to derive a run id.
 */
/**
 * The source as workers should read it: a relative local path (or glob) made absolute against the
 * producer's folder, since a worker runs elsewhere. URIs (`s3://`, `file://`) stay as given.
 */
export function absoluteSource(source: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source;
  return path.resolve(cwd, source);
}

export async function listSource(
  source: string,
  options: Pick<ResolveSourceOptions, 'roots' | 'cwd' | 'objectStore' | 'format'>,
): Promise<{ files: ListedFile[]; format: SourceFormat }> {
  checkScheme(source);
  if (source.startsWith('s3://')) {
    const files = (await listS3Objects(source, options.objectStore(), options.roots)).map(listedObject);
    return { files, format: inferFormat(source, files.map((f) => f.uri), options.format) };
  }
  const local = await listLocalFiles(source, options.roots, options.cwd);
  return { files: local.map(localIdentity), format: inferFormat(source, local.map((f) => f.uri), options.format) };
}

/**
 * A local file as runs record it: by its real path (symlinks resolved), so one file reached
 * through a link or another mount of its folder is the same file to `not_already_loaded`.
 */
function localIdentity(file: SourceFile): ListedFile {
  return { uri: file.localPath, size: file.size, version: file.version };
}

/** Turns a source URI into local files DuckDB can read, after checking it against the allowed roots. */
export async function resolveSource(source: string, options: ResolveSourceOptions): Promise<ResolvedSource> {
  options.onProgress?.({ phase: 'resolving' });
  checkScheme(source);
  if (source.startsWith('s3://')) {
    const stagingDir = path.join(options.stagingRoot, crypto.randomUUID());
    const cleanup = async () => fs.rm(stagingDir, { recursive: true, force: true });
    try {
      const store = options.objectStore();
      const objects = await listS3Objects(source, store, options.roots);
      requireExpectedFiles(source, objects.map(listedObject), options.expectedFiles);
      const files = await downloadS3Objects(
        objects,
        store,
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
  requireExpectedFiles(source, files.map(localIdentity), options.expectedFiles);
  return {
    files,
    format: inferFormat(source, files.map((f) => f.uri), options.format),
    cleanup: async () => {},
  };
}
