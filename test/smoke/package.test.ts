import fs from 'node:fs';
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
    for (const name of ['FloodgateProducer', 'enqueueIngestion', 'getRun', 'waitForRun', 'ingestionRequestSchema', 'ingestionRequestJsonSchema', 'FloodgateError']) {
      expect(['function', 'object'], name).toContain(typeof library[name]);
    }
    const schema = (library['ingestionRequestJsonSchema'] as () => { required: string[] })();
    expect(schema.required).toEqual(expect.arrayContaining(['table', 'source']));
  });
});
