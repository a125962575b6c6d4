import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config/index.js';
import { resolveBauplanCredentials } from '../../src/shared/lakehouse/bauplan/index.js';
import { runCli } from '../support/cli.js';

describe('Bauplan credentials and start-up', () => {
  let home: string;
  beforeEach(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-bauplan-cred-'));
  });
  afterEach(async () => fs.rm(home, { recursive: true, force: true }));

  const settings = (env: Record<string, string>) => loadConfig({ HOME: home, ...env }, { cwd: home }).lakehouse.bauplan;

  it('takes BAUPLAN_API_KEY first, and derives the job service from the endpoint', async () => {
    const credentials = await resolveBauplanCredentials(settings({ BAUPLAN_API_KEY: 'k-env', BAUPLAN_API_ENDPOINT: 'https://api.example.test' }));
    expect(credentials).toMatchObject({ apiKey: 'k-env', endpoint: 'https://api.example.test', grpcTarget: 'api.example.test:443', grpcTls: true, source: 'BAUPLAN_API_KEY' });
  });

  it('reads the key and endpoint of the chosen profile from ~/.bauplan/config.yaml', async () => {
    await fs.mkdir(path.join(home, '.bauplan'));
    await fs.writeFile(
      path.join(home, '.bauplan', 'config.yaml'),
      'profiles:\n  default:\n    api_key: k-default\n  staging:\n    api_key: k-staging\n    api_endpoint: http://127.0.0.1:8081\n',
    );
    expect((await resolveBauplanCredentials(settings({}))).apiKey).toBe('k-default');
    const staging = await resolveBauplanCredentials(settings({ BAUPLAN_PROFILE: 'staging', FLOODGATE_BAUPLAN_GRPC_ENDPOINT: 'grpc://127.0.0.1:9000' }));
    expect(staging).toMatchObject({ apiKey: 'k-staging', endpoint: 'http://127.0.0.1:8081', grpcTarget: '127.0.0.1:9000', grpcTls: false });
    expect(staging.source).toContain('profile "staging"');
  });

  it('fails with a clear CONFIG_INVALID when no key is found, naming where it looked', async () => {
    await expect(resolveBauplanCredentials(settings({ BAUPLAN_PROFILE: 'prod' }))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/BAUPLAN_API_KEY.*profile "prod".*config\.yaml/),
    });
    await fs.mkdir(path.join(home, '.bauplan'));
    await fs.writeFile(path.join(home, '.bauplan', 'config.yaml'), 'profiles:\n  default:\n    api_endpoint: not a url\n');
    await expect(resolveBauplanCredentials(settings({}))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('api_endpoint') });
  });

  it('stops the CLI at start-up without a key on the bauplan backend only', async () => {
    const env = { HOME: home, FLOODGATE_HOME: path.join(home, 'fg'), BAUPLAN_API_KEY: undefined, FLOODGATE_LAKEHOUSE: 'bauplan' };
    const failed = await runCli(['lake', 'tables'], { cwd: home, env });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('the Bauplan backend needs an API key');
    const local = await runCli(['lake', 'tables'], { cwd: home, env: { ...env, FLOODGATE_LAKEHOUSE: 'local' } });
    expect(local.code).toBe(0);
  }, 120_000);
});
