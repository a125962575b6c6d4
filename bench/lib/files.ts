import fs from 'node:fs/promises';
import path from 'node:path';

/** Total size of the regular files under `dir` (recursively). */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export async function fileSizes(files: readonly string[]): Promise<number> {
  const sizes = await Promise.all(files.map(async (file) => (await fs.stat(file)).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Removes `dir` if present and creates it empty. */
export async function freshDirectory(dir: string): Promise<string> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** Bytes available to unprivileged users on the filesystem holding `dir` (what `df` shows as Avail). */
export async function freeBytes(dir: string): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const stats = await fs.statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Reads every file once so the first timed run does not pay for cold page cache. */
export async function warmPageCache(files: readonly string[]): Promise<void> {
  for (const file of files) {
    const handle = await fs.open(file, 'r');
    try {
      const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
      while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await handle.close();
    }
  }
}
