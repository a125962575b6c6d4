/**
 * Benchmark dispatcher: `node --expose-gc --import tsx bench/run.ts <suite> [flags]`
 * (`npm run bench -- <suite> [flags]`).
 */
import { SUITES } from './suites.js';

function usage(): string {
  return `usage: npm run bench -- <suite> [flags]\nsuites: ${Object.keys(SUITES).join(', ')}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.error(usage());
    return name === undefined ? 2 : 0;
  }
  const load = SUITES[name];
  if (load === undefined) {
    console.error(`unknown benchmark suite ${JSON.stringify(name)}; known suites: ${Object.keys(SUITES).join(', ')}`);
    console.error(usage());
    return 2;
  }
  const suite = await load();
  await suite.run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
