import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** Where Node would find `name` from the package at `from` (a lock key such as node_modules/a/node_modules/b). */
function resolveFrom(packages: Readonly<Record<string, LockEntry>>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[key] !== undefined) return key;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/**
 * `npm ci` (what a Docker build runs) refuses a lock file that lacks an entry for any dependency,
 * optional ones for other platforms included. npm can drop those when the lock is written on a
 * host whose registry does not serve them, so this holds the lock to what `npm ci` needs.
 */
describe('package-lock.json', () => {
  it('has an entry for every dependency and optional dependency of every package', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const missing: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key !== '' && !key.startsWith('node_modules/')) continue;
      for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...(key === '' ? entry.devDependencies : {}) })) {
        if (resolveFrom(lock.packages, key, name) === undefined) missing.push(`${name} (needed by ${key === '' ? 'floodgate' : key})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
