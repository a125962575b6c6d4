import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes a suite's report and raw samples. Only a full run (every part, not --quick) replaces
 * the published `<suite>.md`; a partial or quick run writes `<suite>.partial.md` (git-ignored).
 */
export async function writeSuiteResults(resultsDir: string, suite: string, report: string, raw: unknown, complete: boolean): Promise<string> {
  const name = complete ? suite : `${suite}.partial`;
  await fs.mkdir(resultsDir, { recursive: true });
  await fs.writeFile(path.join(resultsDir, `${name}.md`), `${report}\n`);
  await fs.writeFile(path.join(resultsDir, `${name}.raw.json`), `${JSON.stringify(raw, null, 2)}\n`);
  return report;
}
