import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

/**
 * A throwaway PostgreSQL 15 server for tests: a fresh cluster in a temp dir, on a free
 * loopback port, with durability switched off for speed. PostgreSQL refuses to run as root,
 * so as root the server runs as the `postgres` OS user.
 */

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust auth. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

async function osUserIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export async function startPostgres(): Promise<TestPostgres> {
  for (const tool of ['initdb', 'pg_ctl']) {
    if (!existsSync(join(BIN, tool))) {
      throw new Error(`PostgreSQL 15 is not installed: ${join(BIN, tool)} is missing (apt-get install postgresql-15)`);
    }
  }
  const asRoot = process.getuid?.() === 0;
  const as = async (file: string, args: string[]): Promise<void> => {
    await (asRoot ? run('runuser', ['-u', OS_USER, '--', file, ...args]) : run(file, args));
  };

  const dir = await mkdtemp(join(tmpdir(), 'fg-pg-'));
  if (asRoot) {
    const { uid, gid } = await osUserIds(OS_USER);
    await chown(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const stop = async (): Promise<void> => {
    await as(join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await as(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        '-h 127.0.0.1',
        `-k ${dir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=32MB',
      ].join(' ');
      try {
        await as(join(BIN, 'pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '30', 'start']);
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
      } catch (error) {
        lastError = error; // most likely the port was taken between freePort() and the bind
      }
    }
    const serverLog = await readFile(log, 'utf8').catch(() => '(no server log)');
    throw new Error(`PostgreSQL did not start: ${String(lastError)}\n${serverLog}`);
  } catch (error) {
    await stop();
    throw error;
  }
}
