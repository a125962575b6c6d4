import { afterEach, describe, expect, it } from 'vitest';
import { createPromMetrics, createRegistry, startMetricsServer, type MetricsServer } from '../../src/shared/observability/metrics/index.js';
import { promtool } from '../support/prometheus.js';

describe('the workers\' metrics server', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics in the text format promtool accepts, and /healthz', async () => {
    const registry = createRegistry();
    const metrics = createPromMetrics(registry);
    metrics.tableSeen('taxi.trips');
    metrics.tableSeen('taxi.trips');
    metrics.runFinished('taxi.trips', 'published');
    metrics.stageFinished('write', 'ok', 1.5);
    metrics.rowsIngested('taxi.trips', 10, 2048);
    metrics.checkResult('not_null', 'failed');
    metrics.lockParked('publish');
    metrics.lockWait(0.2);
    metrics.publishConflict('taxi.trips');
    metrics.tableCompacted('taxi.trips', 'publish', 64);
    metrics.snapshotsExpired('taxi.trips', 'publish', 16);
    metrics.orphansRemoved(3, 4096);
    metrics.prefectDelivery('dropped', 3);
    server = await startMetricsServer({ registry, port: 0, ready: async () => true });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);

    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await response.text();
    const check = promtool(['check', 'metrics'], text);
    expect(check.status, check.stdout + check.stderr).toBe(0);
    for (const line of [
      'floodgate_runs_total{table="taxi.trips",outcome="published"} 1',
      // A table's series start at 0 when its first job arrives, so increase() sees its first run.
      'floodgate_runs_total{table="taxi.trips",outcome="rejected"} 0',
      'floodgate_publish_conflicts_total{table="taxi.trips"} 1',
      'floodgate_audit_checks_total{check_type="sql",status="error"} 0',
      'floodgate_stage_duration_seconds_count{stage="write",outcome="ok"} 1',
      'floodgate_rows_ingested_total{table="taxi.trips"} 10',
      'floodgate_bytes_ingested_total{table="taxi.trips"} 2048',
      'floodgate_audit_checks_total{check_type="not_null",status="failed"} 1',
      'floodgate_jobs_parked_total{stage="publish"} 1',
      'floodgate_jobs_parked_total{stage="write"} 0',
      'floodgate_lock_wait_seconds_count 1',
      'floodgate_publish_conflicts_total{table="taxi.trips"} 1',
      'floodgate_compactions_total{table="taxi.trips",by="publish"} 1',
      'floodgate_compacted_files_total{table="taxi.trips",by="publish"} 64',
      'floodgate_snapshots_expired_total{table="taxi.trips",by="publish"} 16',
      'floodgate_orphan_files_deleted_total 3',
      'floodgate_orphan_bytes_deleted_total 4096',
      'floodgate_prefect_deliveries_total{outcome="dropped"} 3',
      'floodgate_prefect_deliveries_total{outcome="failed"} 0',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
    expect(text).toContain('# TYPE floodgate_stage_duration_seconds histogram');

    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers /readyz with 200 only while ready() resolves true', async () => {
    let state: 'ready' | 'not' | 'throws' | 'hangs' = 'not';
    const ready = async () => {
      if (state === 'throws') throw new Error('redis down');
      if (state === 'hangs') return new Promise<boolean>(() => {});
      return state === 'ready';
    };
    server = await startMetricsServer({ registry: createRegistry(), port: 0, host: '127.0.0.1', ready });
    const readyz = async () => (await fetch(`${server?.url}/readyz`)).status;
    expect(await readyz()).toBe(503);
    state = 'ready';
    expect(await readyz()).toBe(200);
    state = 'throws';
    expect(await readyz()).toBe(503);
    state = 'hangs';
    const started = Date.now();
    expect(await readyz()).toBe(503);
    expect(Date.now() - started).toBeLessThan(5_000);
    // /healthz does not depend on readiness.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
