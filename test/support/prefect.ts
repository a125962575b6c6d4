import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VENV_BIN } from './paths.js';
import { freePort } from './ports.js';

export const PREFECT = path.join(VENV_BIN, 'prefect');

export interface TestPrefect {
  /** The API base, as in PREFECT_API_URL: `http://127.0.0.1:<port>/api`. */
  readonly apiUrl: string;
  readonly home: string;
  /** POSTs JSON to the API and parses the answer (throws on a non-2xx status). */
  post<T>(apiPath: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * The environment for an offline, quick `prefect server start`: its own PREFECT_HOME (SQLite
 * database there), no analytics, no UI, no block registration, and none of the scheduling
 * services (scheduler, late runs, foreman) a test does not need. The event persister and the
 * triggers (automations) stay on.
 */
export function prefectServerEnv(home: string): Record<string, string> {
  return {
    PREFECT_HOME: home,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_UI_ENABLED: 'false',
    PREFECT_SERVER_REGISTER_BLOCKS_ON_START: 'false',
    PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_FOREMAN_ENABLED: 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    PREFECT_LOGGING_LEVEL: 'WARNING',
  };
}

async function healthy(apiUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** A real `prefect server start` from the test venv, on a free loopback port, with a temp PREFECT_HOME. */
export async function startPrefect(options: { timeoutMs?: number } = {}): Promise<TestPrefect> {
  if (!fs.existsSync(PREFECT)) {
    throw new Error(`prefect is not installed at ${PREFECT}: run scripts/setup-test-env.sh (requirements-test.txt pins prefect)`);
  }
  const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'fg-prefect-'));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const child = spawn(PREFECT, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: { PATH: process.env['PATH'] ?? '', HOME: home, ...prefectServerEnv(home) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));

  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killed);
    }
    await fsp.rm(home, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!(await healthy(apiUrl))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      const why = exited !== undefined ? `exited with code ${String(exited)}` : `not healthy after ${options.timeoutMs ?? 90_000} ms`;
      throw new Error(`prefect server ${why}; its output:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    apiUrl,
    home,
    async post<T>(apiPath: string, body: unknown): Promise<T> {
      const response = await fetch(`${apiUrl}${apiPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`POST ${apiPath}: HTTP ${response.status} ${text.slice(0, 500)}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    stop,
  };
}
