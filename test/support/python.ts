import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { PYTHON } from './paths.js';

const run = promisify(execFile);

/** Runs a Python script in the test venv and parses the JSON it prints last. */
export async function runPythonJson<T>(script: string, args: readonly string[] = []): Promise<T> {
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`test venv missing at ${PYTHON}: run scripts/setup-test-env.sh`);
  }
  const { stdout } = await run(PYTHON, ['-c', script, ...args], { maxBuffer: 64 * 1024 * 1024 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}
