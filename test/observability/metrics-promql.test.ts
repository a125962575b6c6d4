import fs from 'node:fs/promises';
import path from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, createPromMetrics, createRegistry, registerQueueDepth } from '../../src/shared/observability/metrics/index.js';
import { REPO_ROOT } from '../support/paths.js';
import { exposedSeriesNames, metricNamesInPromQL, promtool } from '../support/prometheus.js';

const repoPath = (file: string): string => path.join(REPO_ROOT, file);

/** Series Prometheus makes itself for every target. */
const SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];

/** Every series name a Floodgate process can export: the port's metrics, the API's queue gauges, Node's defaults. */
async function exportedNames(): Promise<Set<string>> {
  const registry = createRegistry();
  createPromMetrics(registry);
  const idle = { name: 'wap-write', getJobCounts: async () => ({}), getWaiting: async () => [] };
  registerQueueDepth(registry, [idle]);
  const families = (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, type: String(m.type) }));
  return new Set([...exposedSeriesNames(families), ...SYNTHETIC]);
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

interface Dashboard {
  panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
}

async function alertExpressions(): Promise<Array<{ where: string; expr: string }>> {
  const rules = parse(await fs.readFile(repoPath('deploy/prometheus/alerts.yml'), 'utf8')) as RuleFile;
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record}`, expr: r.expr })));
}

async function dashboardExpressions(): Promise<Array<{ where: string; expr: string }>> {
  const dashboard = JSON.parse(await fs.readFile(repoPath('deploy/grafana/floodgate.json'), 'utf8')) as Dashboard;
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr })));
  const variables = dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? '') }));
  return [...panels, ...variables];
}

describe('Prometheus configuration and PromQL (promtool from Debian)', () => {
  it('passes promtool check rules on the alert rules', () => {
    const result = promtool(['check', 'rules', repoPath('deploy/prometheus/alerts.yml')]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("passes the alert rules' unit tests (promtool test rules)", () => {
    const result = promtool(['test', 'rules', repoPath('deploy/prometheus/alerts.test.yml')]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('passes promtool check config on the compose scrape configuration', () => {
    const result = promtool(['check', 'config', repoPath('deploy/prometheus/prometheus.yml')]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('is valid prometheus config file syntax');
  });

  it('reads metric names out of PromQL, and notices a name that is not exported', async () => {
    expect(metricNamesInPromQL('histogram_quantile(0.95, sum by (le, stage) (rate(floodgate_stage_duration_seconds_bucket{outcome="ok"}[$__rate_interval])))')).toEqual([
      'floodgate_stage_duration_seconds_bucket',
    ]);
    expect(metricNamesInPromQL('sum by (table) (increase(a_total[6h]) or 0 * max_over_time(b_total{x="y"}[7d])) == 0')).toEqual(['a_total', 'b_total']);
    expect(metricNamesInPromQL('max by (instance) (nodejs_eventloop_lag_p99_seconds{job=~"floodgate.*"}) > 1e3')).toEqual(['nodejs_eventloop_lag_p99_seconds']);
    expect(metricNamesInPromQL('label_values(floodgate_runs_total, table)')).toEqual(['floodgate_runs_total']);
    expect(metricNamesInPromQL('up{job=~"floodgate.*"} == 0 unless on(instance) absent(x_seconds)')).toEqual(['up', 'x_seconds']);
    const exported = await exportedNames();
    expect(metricNamesInPromQL('sum(rate(floodgate_runz_total[5m]))').filter((n) => !exported.has(n))).toEqual(['floodgate_runz_total']);
  });

  it('the alert rules and the Grafana dashboard name only metrics the code exports', async () => {
    const exported = await exportedNames();
    const expressions = [...(await alertExpressions()), ...(await dashboardExpressions())];
    expect(expressions.length).toBeGreaterThan(20);
    const unknown: string[] = [];
    for (const { where, expr } of expressions) {
      const names = metricNamesInPromQL(expr);
      if (names.length === 0) unknown.push(`${where}: no metric in ${expr}`);
      for (const name of names) if (!exported.has(name)) unknown.push(`${where}: ${name}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every Floodgate metric appears on the dashboard, and the alerts cover the issue list', async () => {
    const used = (list: Array<{ expr: string }>) => new Set(list.flatMap((e) => metricNamesInPromQL(e.expr)).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    const onDashboard = used(await dashboardExpressions());
    expect(Object.values(METRIC_NAMES).filter((name) => !onDashboard.has(name))).toEqual([]);
    const dashboard = JSON.parse(await fs.readFile(repoPath('deploy/grafana/floodgate.json'), 'utf8')) as Dashboard;
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
    expect(exprs).toContain('histogram_quantile(0.5, sum by (le, stage) (rate(floodgate_stage_duration_seconds_bucket');
    expect(exprs).toContain('histogram_quantile(0.95, sum by (le, stage) (rate(floodgate_stage_duration_seconds_bucket');
    const alerts = await alertExpressions();
    const alerted = used(alerts);
    for (const name of [METRIC_NAMES.runs, METRIC_NAMES.queueOldestWaitingAge, METRIC_NAMES.queueJobs, METRIC_NAMES.prefectDeliveries]) expect(alerted).toContain(name);
    expect(alerts.map((a) => a.where)).toEqual(
      expect.arrayContaining(['alert FloodgateRunsFailing', 'alert FloodgateQueueBackingUp', 'alert FloodgateNoPublishes', 'alert FloodgatePrefectDeliveryFailing']),
    );
  });

  it('createRegistry keeps to its own registry and leaves out the gauges misnamed _total', async () => {
    const registry = createRegistry();
    expect(registry).toBeInstanceOf(Registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('process_cpu_seconds_total');
    expect(names).toContain('nodejs_active_handles');
    expect(names).not.toContain('nodejs_active_handles_total');
    expect(() => createPromMetrics(createRegistry())).not.toThrow();
  });
});
