import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { listSource, parseS3Uri, type ListedFile } from '../../../../src/shared/sources/index.js';
import type { FakeContext } from './state.js';

/** Commit property where the fake records which source files an import read, for duplicate detection. */
export const IMPORTED_FILES_PROPERTY = 'bauplan.fake.imported_files';

const WHOLE_LOG = 100_000;

/** The files an `s3://` search string matches; throws SOURCE_NOT_FOUND when none do. */
export async function listFiles(context: FakeContext, search: string): Promise<ListedFile[]> {
  const listed = await listSource(search, {
    roots: context.config.sourceRoots,
    cwd: context.config.home,
    objectStore: () => context.objectStore,
  });
  return listed.files;
}

/**
 * The source files already imported into a table on a branch: those recorded by import commits
 * since (and including) the table's last replace.
 */
export async function importedFiles(context: FakeContext, branch: string, table: string): Promise<Set<string>> {
  const files = new Set<string>();
  for (const commit of await context.lakehouse.log(branch, { limit: WHOLE_LOG })) {
    if (commit.properties['floodgate.table'] !== table) continue;
    const recorded = commit.properties[IMPORTED_FILES_PROPERTY];
    if (recorded !== undefined) for (const uri of JSON.parse(recorded) as string[]) files.add(uri);
    if (commit.properties['floodgate.mode'] === 'replace') break;
  }
  return files;
}

/**
 * Copies some of a source's S3 objects into the inbox so one import can read exactly them.
 * Returns the folder to import and its cleanup.
 */
export async function stageFiles(
  context: FakeContext,
  files: readonly ListedFile[],
  signal: AbortSignal,
): Promise<{ source: string; cleanup: () => Promise<void> }> {
  const folder = path.join(context.inbox, crypto.randomUUID());
  const cleanup = () => fs.rm(folder, { recursive: true, force: true });
  try {
    for (const [index, file] of files.entries()) {
      const { bucket, key } = parseS3Uri(file.uri);
      const target = path.join(folder, `${String(index).padStart(6, '0')}-${path.posix.basename(key)}`);
      await context.objectStore.download(bucket, key, target, signal);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { source: folder, cleanup };
}
