import crypto from 'node:crypto';
import path from 'node:path';
import { FloodgateError } from '../../errors/index.js';
import { fingerprintOf, listSource, parseS3Uri, requireExpectedFiles, type ObjectStore } from '../../sources/index.js';
import { hasGlob } from '../../sources/format.js';
import { StorageUnavailableError } from '../errors.js';
import type { ImportProgress, SourceFormat } from '../lakehouse.js';

export interface StageOptions {
  readonly roots: readonly string[];
  readonly cwd: string;
  readonly objectStore: () => ObjectStore;
  /** `s3://bucket/prefix` where local files are uploaded; S3 sources need none. */
  readonly stagingUri?: string;
  readonly format?: SourceFormat;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
  /** Fingerprints the listing must match (a run's, from enqueue): see ImportRequest.expectedFiles. */
  readonly expectedFiles?: readonly string[];
}

export interface StagedSource {
  /** What Bauplan's import reads: an `s3://` file or glob. */
  readonly searchString: string;
  readonly format: SourceFormat;
  readonly files: number;
  readonly bytes: number;
}

/**
 * Bauplan reads sources from S3 only. S3 sources pass through after the same root checks a
 * local import makes; local files are uploaded under the staging prefix first, into a folder
 * named by the files' fingerprints, so a retried or resumed import uploads to the same place.
 */
export async function stageSource(table: string, source: string, options: StageOptions): Promise<StagedSource> {
  options.onProgress?.({ phase: 'resolving' });
  const listing = await listSource(source, options);
  requireExpectedFiles(source, listing.files, options.expectedFiles);
  const bytes = listing.files.reduce((sum, file) => sum + file.size, 0);
  if (source.startsWith('s3://')) {
    const { key } = parseS3Uri(source);
    const single = listing.files.length === 1 && listing.files[0]?.uri === source;
    const searchString = hasGlob(key) || single ? source : `${source.replace(/\/+$/, '')}/*`;
    return { searchString, format: listing.format, files: listing.files.length, bytes };
  }
  if (options.stagingUri === undefined) {
    throw new FloodgateError(
      'CONFIG_INVALID',
      `Bauplan imports from S3 only: set FLOODGATE_BAUPLAN_STAGING=s3://<bucket>/<prefix> (a bucket Bauplan can read) to upload ${source}, or give an s3:// source`,
    );
  }
  const digest = crypto.createHash('sha256').update(table);
  for (const file of listing.files) digest.update(`\n${fingerprintOf(file)}`);
  const { bucket, key } = parseS3Uri(options.stagingUri);
  const folder = [key.replace(/\/+$/, ''), table, digest.digest('hex').slice(0, 24)].filter((part) => part !== '').join('/');
  const store = options.objectStore();
  let done = 0;
  let sent = 0;
  for (const [index, file] of listing.files.entries()) {
    const target = `${folder}/${String(index).padStart(6, '0')}-${path.basename(file.uri)}`;
    try {
      await store.upload(bucket, target, file.uri.replace(/^file:\/\//, ''), options.signal);
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      throw new StorageUnavailableError(`cannot upload ${file.uri} to s3://${bucket}/${target}: ${(error as Error).message}`, error);
    }
    sent += file.size;
    options.onProgress?.({ phase: 'uploading', filesDone: ++done, filesTotal: listing.files.length, bytesDone: sent });
  }
  return { searchString: `s3://${bucket}/${folder}/*`, format: listing.format, files: listing.files.length, bytes };
}
