/**
 * The few Prefect REST calls the sink makes, over a `fetch` typed by the subset it uses so
 * tests can pass a fake. Auth: `Bearer <key>` for Prefect Cloud, `Basic <base64 user:pass>`
 * for a self-hosted server with `PREFECT_SERVER_API_AUTH_STRING`. Neither is ever logged.
 */

export interface FetchResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

export interface FetchInitLike {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInitLike) => Promise<FetchResponseLike>;

/** A failed call; internal to the sink, which never lets it reach a run. */
export class PrefectCallError extends Error {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: { status?: number; retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PrefectCallError';
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

export interface PrefectClientOptions {
  /** The API base, as in `PREFECT_API_URL`: `http://host:4200/api` or Cloud's workspace URL. */
  readonly apiUrl: string;
  readonly apiKey?: string;
  /** `user:pass`, as in `PREFECT_API_AUTH_STRING`. */
  readonly authString?: string;
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /** Aborts every call in flight (on close). */
  readonly signal: AbortSignal;
}

export interface PrefectClient {
  post<T>(path: string, body: unknown): Promise<T>;
}

function authorization(options: PrefectClientOptions): Record<string, string> {
  if (options.apiKey !== undefined && options.apiKey !== '') return { authorization: `Bearer ${options.apiKey}` };
  if (options.authString !== undefined && options.authString !== '') {
    return { authorization: `Basic ${Buffer.from(options.authString, 'utf8').toString('base64')}` };
  }
  return {};
}

/** 408, 429 and 5xx may succeed later; other 4xx answers will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function createPrefectClient(options: PrefectClientOptions): PrefectClient {
  const base = options.apiUrl.replace(/\/+$/, '');
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...authorization(options) };
  return {
    async post<T>(path: string, body: unknown): Promise<T> {
      const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
      let response: FetchResponseLike;
      try {
        response = await options.fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal });
      } catch (error) {
        throw new PrefectCallError(`POST ${path}: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error });
      }
      const text = await response.text().catch(() => '');
      if (response.status < 200 || response.status >= 300) {
        throw new PrefectCallError(`POST ${path}: HTTP ${response.status} ${text.slice(0, 300)}`, {
          status: response.status,
          retryable: isRetryableStatus(response.status),
        });
      }
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new PrefectCallError(`POST ${path}: answer is not JSON`, { status: response.status, retryable: true, cause: error });
      }
    },
  };
}
