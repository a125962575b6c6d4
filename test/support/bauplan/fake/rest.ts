import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_ERROR_TYPE, RestError, toRestError } from './errors.js';
import type { CatalogRef } from './state.js';

export const CATALOG_PREFIX = '/catalog/v0';

export interface RestRequest {
  readonly method: string;
  /** Path parameters, percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface RestReply {
  readonly data: unknown;
  readonly ref?: CatalogRef;
  readonly paginationToken?: string | null;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** Below /catalog/v0, e.g. `branches/:name`. */
  readonly path: string;
  handle(request: RestRequest): Promise<RestReply>;
}

/** The next requests matching this answer an error envelope instead of being served. */
export interface FailRule {
  readonly method?: string;
  readonly pathIncludes?: string;
  readonly status: number;
  readonly type?: string;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  /** Seconds, sent as a Retry-After header. */
  readonly retryAfter?: number;
  /** Carry the request out first, then answer the failure (a gateway that lost the real answer). */
  readonly afterApplying?: boolean;
}

export interface RestServer {
  readonly endpoint: string;
  failNext(rule: FailRule): void;
  close(): Promise<void>;
}

/** Pages a list with `max_records` and an opaque `pagination_token`; the token is null on the last page. */
export function paginate<T>(items: readonly T[], query: URLSearchParams, pageSize: number): { data: T[]; paginationToken: string | null } {
  const rawLimit = query.get('max_records');
  const limit = rawLimit === null || rawLimit === '' ? pageSize : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1) throw new RestError(400, 'BAD_REQUEST', `invalid max_records ${rawLimit}`);
  const token = query.get('pagination_token');
  let offset = 0;
  if (token !== null && token !== '') {
    const decoded = /^page:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
    if (decoded === null) throw new RestError(400, 'BAD_REQUEST', 'invalid pagination_token');
    offset = Number(decoded[1]);
  }
  const end = offset + limit;
  return {
    data: items.slice(offset, end),
    paginationToken: end < items.length ? Buffer.from(`page:${end}`).toString('base64url') : null,
  };
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

function sendError(response: http.ServerResponse, error: RestError, headers: Record<string, string> = {}): void {
  send(response, error.status, { error: { type: error.type, message: error.message, context: error.context } }, headers);
}

async function readBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RestError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RestError(400, 'BAD_REQUEST', 'the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function match(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] as string;
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

/** Bauplan's REST catalog on loopback: auth, injected failures, routing and the JSON envelopes. */
export async function startRest(options: { apiKey: string; routes: readonly Route[] }): Promise<RestServer> {
  const routes = options.routes.map((route) => ({ route, pattern: route.path.split('/') }));
  const rules: Array<FailRule & { left: number }> = [];

  async function serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const rule = rules.find(
      (r) =>
        (r.method === undefined || r.method.toUpperCase() === method) &&
        (r.pathIncludes === undefined || url.pathname.includes(r.pathIncludes) || safeDecode(url.pathname).includes(r.pathIncludes)),
    );
    if (rule !== undefined && rule.afterApplying !== true) {
      if (--rule.left <= 0) rules.splice(rules.indexOf(rule), 1);
      request.resume();
      const type = rule.type ?? DEFAULT_ERROR_TYPE[rule.status] ?? 'INTERNAL_ERROR';
      const headers: Record<string, string> = rule.retryAfter === undefined ? {} : { 'retry-after': String(rule.retryAfter) };
      sendError(response, new RestError(rule.status, type, `injected failure (${type})`), headers);
      return;
    }
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      request.resume();
      sendError(response, new RestError(401, 'UNAUTHORIZED', 'missing or invalid API key'));
      return;
    }
    if (!url.pathname.startsWith(`${CATALOG_PREFIX}/`)) throw new RestError(404, 'NOT_FOUND', `no route ${url.pathname}`);
    let segments: string[];
    try {
      segments = url.pathname.slice(CATALOG_PREFIX.length + 1).split('/').map((s) => decodeURIComponent(s));
    } catch {
      throw new RestError(400, 'BAD_REQUEST', `invalid percent-encoding in ${url.pathname}`);
    }
    const matches = routes.map((r) => ({ ...r, params: match(r.pattern, segments) })).filter((r) => r.params !== undefined);
    const found = matches.find((r) => r.route.method === method);
    if (found === undefined) {
      request.resume();
      if (matches.length > 0) throw new RestError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${url.pathname}`);
      throw new RestError(404, 'NOT_FOUND', `no route ${method} ${url.pathname}`);
    }
    const body = await readBody(request);
    const reply = await found.route.handle({ method, params: found.params ?? {}, query: url.searchParams, body });
    if (rule !== undefined) {
      if (--rule.left <= 0) rules.splice(rules.indexOf(rule), 1);
      const type = rule.type ?? DEFAULT_ERROR_TYPE[rule.status] ?? 'INTERNAL_ERROR';
      sendError(response, new RestError(rule.status, type, `injected failure after applying (${type})`));
      return;
    }
    send(response, 200, {
      data: reply.data,
      ...(reply.ref === undefined ? {} : { ref: reply.ref }),
      metadata: { pagination_token: reply.paginationToken ?? null },
    });
  }

  const server = http.createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      request.resume();
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendError(response, toRestError(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failNext: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
