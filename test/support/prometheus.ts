import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.js';

/** Debian's `prometheus` package gives both binaries. */
const INSTALL_HINT = 'install Debian\'s prometheus package (apt-get install -y prometheus), which gives prometheus and promtool';

/** Fails with a clear message when a Prometheus binary is missing; tests never skip. */
export function requireBinary(name: 'promtool' | 'prometheus'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const file = found.stdout.trim();
  if (found.status !== 0 || file === '') throw new Error(`${name} is not on PATH: ${INSTALL_HINT}`);
  return file;
}

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs promtool with `args`, feeding `stdin` when given. */
export function promtool(args: readonly string[], stdin?: string): ToolResult {
  const result = spawnSync(requireBinary('promtool'), [...args], { input: stdin ?? '', encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant PromQL query through the HTTP API; the `data.result` vector. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop(): Promise<void>;
}

/** A real Prometheus on a free loopback port, scraping `targets` (host:port) every second, its TSDB in a temp dir. */
export async function startPrometheus(targets: readonly string[]): Promise<RunningPrometheus> {
  const binary = requireBinary('prometheus');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fg-prom-'));
  const config = path.join(dir, 'prometheus.yml');
  await fs.writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: floodgate-test',
      '    static_configs:',
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${output.join('')}`);
      return (await fetch(`${url}/-/ready`)).ok;
    });
  } catch (error) {
    await stop();
    throw new Error(`prometheus did not start: ${String(error)}\n${output.join('')}`);
  }
  return {
    url,
    query: async (expr) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== 'success' || body.data === undefined) throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
      return body.data.result;
    },
    stop,
  };
}

const PROMQL_KEYWORDS = new Set([
  // aggregations and their modifiers
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'atan2',
  // numbers
  'inf', 'nan',
]);

/**
 * The metric names a PromQL expression selects. Strips strings, label matchers, ranges, grouping
 * clauses and Grafana variables, then keeps identifiers that are not functions or keywords.
 * Grafana's `label_values(<metric>, <label>)` yields its metric.
 */
export function metricNamesInPromQL(expr: string): string[] {
  let text = expr.replace(/label_values\(\s*([^,()]+)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)/g, '$1');
  text = text
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?[0-9a-z]+/g, ' ')
    .replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ' ')
    .replace(/(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, ' ');
  const names = new Set<string>();
  for (const match of text.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const [, name, call] = match;
    if (name === undefined || call !== undefined || PROMQL_KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Series names a metric family exposes: histograms and summaries add `_bucket`, `_sum`, `_count`. */
export function exposedSeriesNames(families: ReadonlyArray<{ name: string; type: string }>): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of families) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}
