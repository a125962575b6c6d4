import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, TSX_LOADER } from '../support/paths.js';

const exec = promisify(execFile);

describe('logs', () => {
  it('are JSON lines with the bound run fields, and never show secrets', async () => {
    const script = `
      import { createLogger } from './src/shared/observability/logger.ts';
      const log = createLogger({ bindings: { service: 'test' } }).child({ runId: 'r-1', table: 'taxi.trips', stage: 'write', attempt: 2 });
      log.info({ token: 'tok-secret', password: 'pw-secret', headers: { authorization: 'Bearer bearer-secret' }, redisUrl: 'redis://:url-secret@h' }, 'hello');
      setTimeout(() => {}, 100);
    `;
    const { stderr } = await exec(process.execPath, ['--import', TSX_LOADER, '--input-type=module', '-e', script], { cwd: REPO_ROOT });
    const line = JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello', service: 'test', runId: 'r-1', table: 'taxi.trips', stage: 'write', attempt: 2, level: 30 });
    expect(stderr).not.toMatch(/secret/);
  });

  it('write a key once when a line repeats what its child logger binds, and keep a different value the line gives', async () => {
    const script = `
      import { createLogger } from './src/shared/observability/logger.ts';
      const log = createLogger().child({ runId: 'r-1', table: 'taxi.trips' }).child({ stage: 'audit' });
      log.info({ runId: 'r-1', stage: 'audit', table: 'other.table', rows: 3 }, 'done');
      setTimeout(() => {}, 100);
    `;
    const { stderr } = await exec(process.execPath, ['--import', TSX_LOADER, '--input-type=module', '-e', script], { cwd: REPO_ROOT });
    const raw = stderr.trim().split('\n').at(-1) ?? '';
    expect(raw.match(/"runId"/g)).toHaveLength(1);
    expect(raw.match(/"stage"/g)).toHaveLength(1);
    expect(raw.match(/"table"/g)).toHaveLength(2);
    expect(raw).toContain('"table":"other.table"');
    expect(JSON.parse(raw)).toMatchObject({ msg: 'done', runId: 'r-1', stage: 'audit', rows: 3 });
  });
});
