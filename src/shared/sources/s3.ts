import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import type { S3Config } from '../config/index.js';
import { FloodgateError } from '../errors/index.js';
import { SourceNotAllowedError, SourceNotFoundError, StorageUnavailableError } from '../lakehouse/errors.js';
import { hasGlob } from './format.js';
import type { SourceFile } from './types.js';

/** The part of an object store that sources need; S3 implements it, tests may fake it. */
export interface ObjectStore {
  list(bucket: string, prefix: string): AsyncIterable<{ key: string; size: number; etag: string }>;
  download(bucket: string, key: string, destination: string, signal?: AbortSignal): Promise<void>;
  /** Puts a local file at `key` (used to stage files for a remote lakehouse). */
  upload(bucket: string, key: string, source: string, signal?: AbortSignal): Promise<void>;
}

/**
 * How long S3 may stall before a request fails (STORAGE_UNAVAILABLE, retried) rather than hang a
 * worker and its table: connecting, the response starting, and the socket staying silent (a
 * download that stopped).
 */
export interface S3Timeouts {
  readonly connectMs: number;
  readonly responseMs: number;
  readonly silentSocketMs: number;
}

const S3_TIMEOUTS: S3Timeouts = { connectMs: 10_000, responseMs: 60_000, silentSocketMs: 120_000 };

export function createS3ObjectStore(config: S3Config, timeouts: S3Timeouts = S3_TIMEOUTS): ObjectStore {
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.responseMs,
      throwOnRequestTimeout: true,
      socketTimeout: timeouts.silentSocketMs,
    },
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
  });
  return {
    async *list(bucket, prefix) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined || object.Key.endsWith('/')) continue;
          yield { key: object.Key, size: object.Size ?? 0, etag: (object.ETag ?? '').replaceAll('"', '') };
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },
    async download(bucket, key, destination, signal) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      await fs.promises.mkdir(path.dirname(destination), { recursive: true });
      await pipeline(object.Body as Readable, fs.createWriteStream(destination), { signal });
    },
    async upload(bucket, key, source, signal) {
      const { size } = await fs.promises.stat(source);
      // Small files go as one buffer (simplest for every S3 implementation); large ones stream.
      const body = size <= 64 * 1024 * 1024 ? await fs.promises.readFile(source) : fs.createReadStream(source);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }),
        { abortSignal: signal },
      );
    },
  };
}

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match || !BUCKET.test(match[1] ?? '')) {
    throw new SourceNotAllowedError(uri, 'expected s3://<bucket>/<key or glob>');
  }
  const key = match[2] ?? '';
  if (key.split('/').includes('..')) throw new SourceNotAllowedError(uri, '".." is not allowed in a key');
  return { bucket: match[1] as string, key };
}

function allowedByRoots(uri: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    if (!root.startsWith('s3://')) return false;
    const prefix = root === 's3://' ? root : root.endsWith('/') ? root : `${root}/`;
    return uri === root || uri.startsWith(prefix);
  });
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

export interface S3Object {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** Lists the objects an `s3://bucket/prefix/*.parquet` URI names, after checking it against the allowed roots. */
export async function listS3Objects(uri: string, store: ObjectStore, roots: readonly string[]): Promise<S3Object[]> {
  if (!allowedByRoots(uri, roots)) {
    throw new SourceNotAllowedError(uri, `it is outside the allowed roots (${roots.join(', ')}); set FLOODGATE_SOURCE_ROOTS`);
  }
  const { bucket, key } = parseS3Uri(uri);
  const globbed = hasGlob(key);
  const prefix = globbed ? key.slice(0, key.search(/[*?[\]{}]/)) : key;
  const matches = globbed
    ? picomatch(key, { dot: false })
    : (candidate: string) => candidate === key || key === '' || candidate.startsWith(key.endsWith('/') ? key : `${key}/`);

  const objects: S3Object[] = [];
  try {
    for await (const object of store.list(bucket, prefix)) if (matches(object.key)) objects.push({ bucket, ...object });
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') throw new SourceNotFoundError(uri);
    // No credentials at all is a setting to fix, not an outage to wait out.
    if (errorName(error) === 'CredentialsProviderError') {
      throw new FloodgateError('CONFIG_INVALID', `cannot list ${uri}: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role)`, { cause: error });
    }
    throw new StorageUnavailableError(`cannot list ${uri}: ${(error as Error).message}`, error);
  }
  if (objects.length === 0) throw new SourceNotFoundError(uri);
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}

/** Downloads listed objects into `stagingDir`, one at a time, reporting each. */
export async function downloadS3Objects(
  objects: readonly S3Object[],
  store: ObjectStore,
  stagingDir: string,
  onFile: (done: number, total: number, bytes: number) => void,
  signal?: AbortSignal,
): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  let bytes = 0;
  for (const [index, object] of objects.entries()) {
    const localPath = path.join(stagingDir, `${String(index).padStart(6, '0')}-${path.basename(object.key)}`);
    try {
      await store.download(object.bucket, object.key, localPath, signal);
    } catch (error) {
      throw new StorageUnavailableError(`cannot download s3://${object.bucket}/${object.key}: ${(error as Error).message}`, error);
    }
    bytes += object.size;
    onFile(index + 1, objects.length, bytes);
    files.push({ uri: s3Uri(object), localPath, size: object.size, version: object.etag });
  }
  return files;
}

export function s3Uri(object: S3Object): string {
  return `s3://${object.bucket}/${object.key}`;
}
