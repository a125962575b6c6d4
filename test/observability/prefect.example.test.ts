import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noopLogger, noopMetrics } from '../../src/shared/observability/ports.js';
import { createPrefectSink } from '../../src/shared/observability/prefect/index.js';
import { PYTHON, REPO_ROOT } from '../support/paths.js';
import { waitFor } from '../support/ports.js';
import { startPrefect, type TestPrefect } from '../support/prefect.js';

const run = promisify(execFile);
const EXAMPLE = path.join(REPO_ROOT, 'examples', 'prefect');

interface FlowRunOut {
  id: string;
  state_type: string;
  deployment_id: string | null;
  parameters: Record<string, unknown>;
}

describe('examples/prefect: a served deployment refreshed by an automation on wap.run.published', () => {
  let prefect: TestPrefect;
  let served: ChildProcess | undefined;
  let clientHome: string;
  let output = '';

  beforeAll(async () => {
    prefect = await startPrefect();
    clientHome = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-prefect-client-'));
  });
  afterAll(async () => {
    if (served !== undefined && served.exitCode === null) {
      const exited = new Promise((resolve) => served?.once('exit', resolve));
      served.kill('SIGTERM');
      await exited;
    }
    await prefect?.stop();
    if (clientHome !== undefined) await fs.rm(clientHome, { recursive: true, force: true });
  });

  const clientEnv = () => ({
    PATH: process.env['PATH'] ?? '',
    HOME: clientHome,
    PREFECT_HOME: clientHome,
    PREFECT_API_URL: prefect.apiUrl,
    PREFECT_RUNNER_POLL_FREQUENCY: '1',
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
  });
  const get = async <T>(apiPath: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${prefect.apiUrl}${apiPath}`);
    return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
  };

  it('accepts automation.json (201), and the served flow runs when a table is published', async () => {
    served = spawn(PYTHON, [path.join(EXAMPLE, 'refresh_downstream.py')], { env: clientEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    served.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    served.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
    let deploymentId = '';
    await waitFor(
      'the served deployment',
      async () => {
        if (served?.exitCode !== null) throw new Error(`refresh_downstream.py exited:\n${output}`);
        const found = await get<{ id: string }>('/deployments/name/refresh-downstream/refresh-downstream');
        deploymentId = found.body?.id ?? '';
        return found.status === 200;
      },
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });

    // The JSON as it stands in the repo, filled in: the server takes it with a 201.
    const template = await fs.readFile(path.join(EXAMPLE, 'automation.json'), 'utf8');
    const body = template.replaceAll('__TABLE__', 'taxi.zones').replaceAll('__DEPLOYMENT_ID__', deploymentId);
    const direct = await fetch(`${prefect.apiUrl}/automations/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(direct.status, await direct.clone().text()).toBe(201);

    // The script the README shows, for the table the test publishes.
    const { stdout } = await run(PYTHON, [path.join(EXAMPLE, 'create_automation.py'), '--table', 'taxi.trips'], { env: clientEnv() });
    const automation = JSON.parse(stdout.trim()) as { id: string; trigger: { match: Record<string, string> } };
    expect(automation.trigger.match).toEqual({ 'prefect.resource.id': 'wap.table.taxi.trips' });

    // Floodgate publishes a run of taxi.trips: the automation schedules the deployment, `serve` runs it.
    const sink = createPrefectSink({ apiUrl: prefect.apiUrl, logger: noopLogger, metrics: noopMetrics, flushIntervalMs: 50 });
    sink.emit({ event: 'wap.run.published', runId: 'example-run-1', table: 'taxi.trips', payload: { status: 'published', branch: 'wap/taxi.trips/example-run-1', commit: 'c0ffee', rows: 3 } });
    await sink.close(15_000);
    let refreshed: FlowRunOut | undefined;
    await waitFor(
      'the refresh-downstream flow run to complete',
      async () => {
        const runs = await prefect.post<FlowRunOut[]>('/flow_runs/filter', { deployments: { id: { any_: [deploymentId] } } });
        refreshed = runs[0];
        return runs.length > 0 && runs.every((r) => r.state_type === 'COMPLETED');
      },
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last run ${JSON.stringify(refreshed)}\n${output}`);
    });
    expect(refreshed?.parameters).toEqual({ table: 'taxi.trips', run_id: 'example-run-1', commit: 'c0ffee' });
  });
});
