import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/producers/cli/exit-codes.js';
import { ERROR_CODES, FloodgateError, toFloodgateError } from '../../src/shared/errors/index.js';
import { MergeConflictError, RefChangedError, TableChangedError } from '../../src/shared/lakehouse/errors.js';
import { REPO_ROOT } from '../support/paths.js';

describe('error catalogue', () => {
  it('documents every error code with its retry decision and CLI exit code', async () => {
    const doc = await fs.readFile(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([A-Z_]+)` \| (yes|no|depends) \|.*\| (\d) \|$/gm)].map((m) => [m[1], { retryable: m[2] === 'depends' ? 'depends' : m[2] === 'yes', exit: Number(m[3]) }]),
    );
    expect([...rows.keys()].sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(rows.get(code)?.exit, code).toBe(exitCodeFor(code));
    expect(rows.get('TABLE_CHANGED')?.retryable).toBe(new TableChangedError('a.b', 'main').retryable);
    expect(rows.get('MERGE_CONFLICT')?.retryable).toBe(new MergeConflictError('x', 'main', ['a.b']).retryable);
    expect(rows.get('REF_CHANGED')?.retryable).toBe(new RefChangedError('main', 'a', 'b').retryable);
  });

  it('wraps foreign errors into the root and keeps ours', () => {
    const ours = new FloodgateError('REF_NOT_FOUND', 'x');
    expect(toFloodgateError(ours)).toBe(ours);
    const wrapped = toFloodgateError(new TypeError('boom'));
    expect(wrapped).toMatchObject({ code: 'INTERNAL', message: 'boom', retryable: false });
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(JSON.parse(JSON.stringify(new MergeConflictError('b', 'main', ['t.a'])))).toMatchObject({
      code: 'MERGE_CONFLICT',
      tables: ['t.a'],
    });
  });
});
