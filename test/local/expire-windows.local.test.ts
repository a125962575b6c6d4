import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { trips, writeFile } from '../support/data.js';

/** Each command in its own process, as users run them: no in-process cache can hide a missing file. */
describe('lake expire with a narrow window, then the default one', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps working: the wider window starts where the narrow one gave history up', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-expire-'));
    const cli = (...args: string[]) => runCli(['--home', path.join(dir, 'home'), ...args], { cwd: dir, env: { FLOODGATE_SOURCE_ROOTS: dir } });
    await writeFile(path.join(dir, 'a.parquet'), trips(10));
    for (let i = 0; i < 2; i++) expect((await cli('lake', 'import', 't.x', 'a.parquet')).code).toBe(0);
    const narrow = await cli('lake', 'expire', '--older-than', '0s', '--min-age', '0s');
    expect(narrow.code, narrow.stderr).toBe(0);
    for (const args of [['--dry-run'], ['--no-trim'], []]) {
      const wide = await cli('lake', 'expire', ...args);
      expect(wide.code, `lake expire ${args.join(' ')}: ${wide.stderr}`).toBe(0);
    }
    const count = await cli('--json', 'lake', 'query', 'SELECT count(*) AS n FROM t.x');
    expect(JSON.parse(count.stdout)).toEqual([{ n: 20 }]);
  }, 120_000);
});
