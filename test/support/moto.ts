import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { VENV_BIN } from './paths.js';
import { recordLeftover } from './leftovers.js';
import { freePort, waitFor } from './ports.js';

export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A real S3 HTTP API on loopback: moto's server from the test venv. */
export async function startMoto(): Promise<MotoServer> {
  const binary = path.join(VENV_BIN, 'moto_server');
  if (!fs.existsSync(binary)) {
    throw new Error(`moto_server not found at ${binary}: run scripts/setup-test-env.sh (it installs moto[server] into .venv)`);
  }
  const port = await freePort();
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  recordLeftover(child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor('moto server', async () => {
      if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
      return (await fetch(endpoint)).ok;
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}
