import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ENTRY } from '../support/cli.js';
import { TSX_LOADER } from '../support/paths.js';
import { freePort, waitFor } from '../support/ports.js';

/** The API's Redis clients with a wrong password (as after a rotation): their errors are logged without it. */
describe('the API against a Redis that refuses its password', () => {
  const children: Array<ReturnType<typeof spawn>> = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('logs the refusal once per 30 s and never the password', async () => {
    const port = await freePort();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-redis-secret-'));
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 'the-right-one', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    children.push(redis);
    const api = spawn(process.execPath, ['--import', TSX_LOADER, CLI_ENTRY, 'api', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, REDIS_URL: `redis://:wrong-s3cret-pw@127.0.0.1:${port}`, FLOODGATE_HOME: path.join(dir, 'home'), FLOODGATE_LOG_FORMAT: 'json', FLOODGATE_METRICS_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(api);
    let output = '';
    api.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    api.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('the API to report the refused password', async () => output.includes('WRONGPASS'), 30_000);
    // Reconnect attempts keep failing meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(output).not.toContain('wrong-s3cret-pw');
    expect(output.match(/Redis connection error/g)?.length ?? 0).toBeLessThanOrEqual(2);
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);
});
