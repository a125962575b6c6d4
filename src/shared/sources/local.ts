import fs from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { SourceNotAllowedError, SourceNotFoundError, SourceUnreadableError } from '../lakehouse/errors.js';
import { hasGlob } from './format.js';
import type { SourceFile } from './types.js';

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Each allowed root after symlinks, resolved once per process (roots are configuration). */
const resolvedRoots = new Map<string, Promise<string>>();

async function realRoots(roots: readonly string[]): Promise<string[]> {
  return Promise.all(
    roots.map((root) => {
      let real = resolvedRoots.get(root);
      if (real === undefined) {
        // A root that does not exist (yet) is not cached: it is looked up again next time.
        real = fs.realpath(root).catch(() => {
          resolvedRoots.delete(root);
          return path.resolve(root);
        });
        resolvedRoots.set(root, real);
      }
      return real;
    }),
  );
}

/**
 * Whether a file a folder or glob listing found is hidden below `base`: a name on its way there
 * starts with `_` or `.`, as the files data tools write next to their output do (Spark's
 * `_SUCCESS`, `_committed_*`, `_temporary/`).
 */
function hiddenBelow(base: string, file: string): boolean {
  return path
    .relative(base, file)
    .split(path.sep)
    .some((name) => name.startsWith('_') || name.startsWith('.'));
}

function sourceFile(uri: string, real: string, stat: { size: number; mtimeMs: number }): SourceFile {
  return { uri, localPath: real, size: stat.size, version: String(Math.trunc(stat.mtimeMs)) };
}

/**
 * Lists the local files a `file://` or plain path or glob names. The path and every file it
 * matches (after symlinks) must lie under one of the allowed roots.
 */
export async function listLocalFiles(source: string, roots: readonly string[], cwd: string): Promise<SourceFile[]> {
  const raw = source.startsWith('file://') ? decodeURIComponent(source.slice('file://'.length)) : source;
  if (raw.includes('\0')) throw new SourceNotAllowedError(source, 'it contains a NUL byte');
  if (raw.split(/[\\/]/).includes('..')) {
    throw new SourceNotAllowedError(source, '".." is not allowed in a source path');
  }
  const absolute = path.resolve(cwd, raw);
  const allowed = await realRoots(roots);
  const lexicalOk = roots.some((root) => isInside(path.resolve(root), absolute)) || allowed.some((r) => isInside(r, absolute));
  if (!lexicalOk) {
    throw new SourceNotAllowedError(source, `it is outside the allowed roots (${roots.join(', ')}); set FLOODGATE_SOURCE_ROOTS`);
  }

  let matches: string[];
  if (hasGlob(absolute)) {
    matches = await glob(absolute.replaceAll('\\', '/'), { absolute: true, onlyFiles: true, dot: false, expandDirectories: false });
    const base = path.dirname(absolute.slice(0, absolute.search(/[*?[\]{}]/)) + 'x');
    matches = matches.filter((file) => !hiddenBelow(base, file));
  } else {
    // One file (the common case): its stat (which follows symlinks) and its real path at once.
    const [stat, real] = await Promise.all([fs.stat(absolute).catch(() => undefined), fs.realpath(absolute).catch(() => undefined)]);
    if (stat === undefined || real === undefined) throw new SourceNotFoundError(source);
    if (!stat.isDirectory()) {
      if (!allowed.some((root) => isInside(root, real))) {
        throw new SourceNotAllowedError(source, `${absolute} resolves outside the allowed roots`);
      }
      return [sourceFile(absolute, real, stat)];
    }
    matches = (await glob('**/*', { cwd: absolute, absolute: true, onlyFiles: true, dot: false })).filter((file) => !hiddenBelow(absolute, file));
  }
  if (matches.length === 0) throw new SourceNotFoundError(source);

  const files = await Promise.all(
    matches.sort().map(async (file): Promise<SourceFile> => {
      const real = await fs.realpath(file);
      if (!allowed.some((root) => isInside(root, real))) {
        throw new SourceNotAllowedError(source, `${file} resolves outside the allowed roots`);
      }
      const stat = await fs.stat(real).catch((error: unknown) => {
        throw new SourceUnreadableError(file, 'cannot stat the file', error);
      });
      return sourceFile(file, real, stat);
    }),
  );
  // A symlink and its target (or two links to one file) are one file: loading it twice would double its rows.
  const unique = new Map<string, SourceFile>();
  for (const file of files) if (!unique.has(file.localPath)) unique.set(file.localPath, file);
  return [...unique.values()];
}
