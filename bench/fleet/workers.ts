import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs } from './cpu.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = path.join(REPO_ROOT, 'src', 'producers', 'cli', 'main.ts');
/** `node --import <this>` runs the TypeScript CLI from any working directory. */
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface WorkerProcesses {
  /** Resolves once every worker logged `worker ready`. */
  readonly ready: Promise<void>;
  /** CPU time the workers have used so far (ms, summed). */
  cpuMs(): number;
  /** SIGTERM to each worker this started, SIGKILL after `graceMs`; resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * `count` processes of `floodgate worker --concurrency <n>` (the CLI, through tsx), with `env`
 * on top of this process's environment. Their stderr (pino) is watched for `worker ready` and
 * kept (the last 4 KB) for error messages.
 */
export function spawnWorkers(count: number, concurrency: number, env: Readonly<Record<string, string | undefined>>, timeoutMs = 60_000): WorkerProcesses {
  const children: ChildProcess[] = [];
  const readies: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, ENTRY, 'worker', '--concurrency', String(concurrency), '--grace', '10'], {
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let tail = '';
    readies.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${i} not ready within ${timeoutMs} ms: ${tail}`)), timeoutMs);
        child.stderr?.on('data', (chunk: Buffer) => {
          tail = (tail + chunk.toString()).slice(-4096);
          if (tail.includes('"msg":"worker ready"')) {
            clearTimeout(timer);
            resolve();
          } else if (/^floodgate: /m.test(tail)) {
            // The CLI reports a start-up error (the process may linger: see bench/README.md, Fleet).
            clearTimeout(timer);
            reject(new Error(`worker ${i} failed to start: ${tail.trim()}`));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`worker ${i} exited (${code ?? signal}) before it was ready: ${tail}`));
        });
      }),
    );
  }
  const ready = Promise.all(readies).then(() => undefined);
  ready.catch(() => undefined);
  return {
    ready,
    cpuMs: () => children.reduce((sum, child) => sum + (child.pid === undefined ? 0 : processCpuMs(child.pid)), 0),
    stop: async (graceMs = 15_000) => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }, graceMs);
      await Promise.all(children.map(exited));
      clearTimeout(timer);
    },
  };
}
