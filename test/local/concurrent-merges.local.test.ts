import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocal, type OpenedBackend } from '../support/backends.js';
import { trips, writeFile } from '../support/data.js';
import { TSX_LOADER } from '../support/paths.js';

const exec = promisify(execFile);
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'import-and-merge.ts');
const PROCESSES = 4;
const ROUNDS = 5;

for (const catalog of ['sqlite', 'postgres'] as const) {
  describe(`four processes importing and merging into main at once (${catalog} catalog)`, () => {
    let backend: OpenedBackend;
    afterEach(async () => backend?.cleanup());

    it('loses no commit and no row', async () => {
      backend = await openLocal({ postgres: catalog === 'postgres' });
      const source = await writeFile(path.join(backend.dataDir, 'batch.parquet'), trips(10));
      const runs = await Promise.all(
        Array.from({ length: PROCESSES }, (_, worker) =>
          exec(process.execPath, ['--import', TSX_LOADER, FIXTURE, JSON.stringify(backend.config), String(worker), String(ROUNDS), source]),
        ),
      );
      const merged = runs.flatMap((run) => (JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { merged: string[] }).merged);
      expect(merged).toHaveLength(PROCESSES * ROUNDS);

      const lake = backend.lakehouse;
      const history = new Set((await lake.log('main', { limit: 1000 })).map((c) => c.id));
      for (const commit of merged) expect(history.has(commit), commit).toBe(true);
      const tables = await lake.listTables('main');
      expect(tables.map((t) => [t.name, t.rows]).sort()).toEqual(
        Array.from({ length: PROCESSES }, (_, w) => [`p${w}.events`, 10 * ROUNDS]),
      );
      for (let worker = 0; worker < PROCESSES; worker++) {
        const [row] = await lake.queryRows(`SELECT count(*) AS n FROM p${worker}.events`);
        expect(row?.['n']).toBe(10 * ROUNDS);
      }
    });
  });
}
