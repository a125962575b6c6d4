import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  readonly registry: Registry;
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1; use 0.0.0.0 in a container. */
  readonly host?: string;
  /** /readyz answers 200 when this resolves true, else 503 (also when it throws or takes over 2 s). */
  readonly ready: () => Promise<boolean>;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 2_000;

async function isReady(ready: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)));
  try {
    return await Promise.race([ready().then((ok) => ok === true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

async function handle(options: MetricsServerOptions, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, JSON_TYPE, '{"status":"method not allowed"}');
  switch (path) {
    case '/metrics':
      return send(response, 200, options.registry.contentType, await options.registry.metrics());
    case '/healthz':
      return send(response, 200, JSON_TYPE, '{"status":"ok"}');
    case '/readyz':
      return (await isReady(options.ready))
        ? send(response, 200, JSON_TYPE, '{"status":"ready"}')
        : send(response, 503, JSON_TYPE, '{"status":"unavailable"}');
    default:
      return send(response, 404, JSON_TYPE, '{"status":"not found"}');
  }
}

/** A small HTTP server for a worker process: /metrics, /healthz (always 200 while up) and /readyz. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `error: ${String(error)}\n`);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeIdleConnections();
      }),
  };
}
