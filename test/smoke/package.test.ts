import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';

/** Imports the built package the way another service would: through package.json's exports map. */
describe('the built package', () => {
  it('exports the producer library from its entry point', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: { '.': string }; bin: { floodgate: string } };
    const entry = path.join(REPO_ROOT, pkg.exports['.']);
    expect(fs.existsSync(entry), `${entry} is missing: run npm run build first`).toBe(true);
    expect(fs.existsSync(path.join(REPO_ROOT, pkg.bin.floodgate)), 'the CLI binary is missing from dist').toBe(true);
    const library = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    for (const name of ['FloodgateProducer', 'enqueueIngestion', 'getRun', 'waitForRun', 'ingestionRequestSchema', 'ingestionRequestJsonSchema', 'FloodgateError', 'loadConfig', 'openLakehouse', 'runAudit', 'renderMarkdown', 'checksJsonSchema']) {
      expect(['function', 'object'], name).toContain(typeof library[name]);
    }
    const schema = (library['ingestionRequestJsonSchema'] as () => { required: string[] })();
    expect(schema.required).toEqual(expect.arrayContaining(['table', 'source']));
  });

  it('runs an audit through the package, as docs/audits.md shows', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: { '.': string } };
    const library = (await import(pathToFileURL(path.join(REPO_ROOT, pkg.exports['.'])).href)) as {
      loadConfig: (env: Record<string, string>) => { lakehouse: unknown };
      openLakehouse: (config: unknown) => Promise<{ importData(r: object): Promise<unknown>; close(): Promise<void> }>;
      runAudit: (r: object) => Promise<{ passed: boolean; checks: Array<{ name: string; status: string }> }>;
    };
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'fg-package-'));
    try {
      fs.writeFileSync(path.join(home, 'a.csv'), 'trip_id\n1\n2\n');
      const lakehouse = await library.openLakehouse(library.loadConfig({ FLOODGATE_HOME: home, FLOODGATE_SOURCE_ROOTS: home }).lakehouse);
      try {
        await lakehouse.importData({ table: 'taxi.trips', source: path.join(home, 'a.csv'), branch: 'main' });
        const report = await library.runAudit({ lakehouse, table: 'taxi.trips', ref: 'main', checks: [{ type: 'not_null', column: 'trip_id' }] });
        expect(report.passed).toBe(true);
        expect(report.checks.map((c) => [c.name, c.status])).toEqual([
          ['not_null(trip_id)', 'passed'],
          ['row_count', 'passed'],
        ]);
      } finally {
        await lakehouse.close();
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
