import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { FloodgateError } from '../errors/index.js';

export interface EmbeddedRedis {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A private redis-server on a free loopback port, with its files under `dir`: for the demo
 * when REDIS_URL is unset, and for tests. AOF on and `noeviction`, as BullMQ needs.
 */
export async function startEmbeddedRedis(options: { dir: string; binary?: string }): Promise<EmbeddedRedis> {
  await fs.mkdir(options.dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    options.binary ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', path.resolve(options.dir), '--appendonly', 'yes',
      '--maxmemory-policy', 'noeviction', '--save', '', '--protected-mode', 'yes'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const spawned = new Promise<never>((_, reject) =>
    child.once('error', (error) =>
      reject(new FloodgateError('CONFIG_INVALID', `cannot start redis-server (${error.message}): install it (apt-get install redis-server) or set REDIS_URL`)),
    ),
  );
  const deadline = Date.now() + 10_000;
  const ready = (async () => {
    while (!(await answersPing(port))) {
      if (child.exitCode !== null) throw new FloodgateError('INTERNAL', `redis-server exited: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new FloodgateError('INTERNAL', 'redis-server did not answer within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    await Promise.race([ready, spawned]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
