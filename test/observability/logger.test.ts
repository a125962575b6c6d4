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
});
