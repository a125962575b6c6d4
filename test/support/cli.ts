import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, TSX_LOADER } from './paths.js';

const exec = promisify(execFile);

/** The CLI entry point, run from source through tsx. */
export const CLI_ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `floodgate <args>` in a child process; `env` entries set to undefined are removed. */
export async function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string | undefined> }): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', TSX_LOADER, CLI_ENTRY, ...args], {
      cwd: options.cwd,
      env,
      timeout: 120_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
