import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FloodgateError } from '../../../errors/index.js';

/** Where Iceberg files are read and written. Locations are absolute paths (or `file:` URLs). */
export interface FileIO {
  write(location: string, data: Uint8Array): Promise<void>;
  read(location: string): Promise<Uint8Array>;
}

/** Error codes from node:fs that will not go away on a retry. */
const PERMANENT_FS_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'EINVAL']);

function toPath(location: string): string {
  return location.startsWith('file:') ? fileURLToPath(location) : location;
}

function storageError(action: string, location: string, error: unknown): FloodgateError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  return new FloodgateError('STORAGE_UNAVAILABLE', `cannot ${action} ${location}: ${reason}`, {
    retryable: code === undefined || !PERMANENT_FS_CODES.has(code),
    cause: error,
    details: { location, fsCode: code },
  });
}

/**
 * FileIO over node:fs. Writes create parent directories and are atomic: the bytes go to a
 * temporary file next to the target, which is then renamed over it.
 */
export function localFileIO(): FileIO {
  return {
    async write(location, data) {
      const path = toPath(location);
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temporary, data);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw storageError('write', location, error);
      }
    },
    async read(location) {
      try {
        return await readFile(toPath(location));
      } catch (error) {
        throw storageError('read', location, error);
      }
    },
  };
}
