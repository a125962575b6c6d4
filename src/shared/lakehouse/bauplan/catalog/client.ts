import type { z } from 'zod';
import { FloodgateError } from '../../../errors/index.js';
import { catalogError, redactSecret, type CatalogRequest } from './errors.js';
import { backoffMs, retryAfterMs, sleep } from './retry.js';
import {
  commitSchema,
  envelopeSchema,
  namedRefSchema,
  namespaceSchema,
  parseCatalogJson,
  tableSchema,
  toCommitRecord,
  toTableRecord,
  type BranchRecord,
  type CatalogRef,
  type CommitRecord,
  type TableRecord,
  type TagRecord,
} from './schemas.js';

export interface CatalogClientOptions {
  /** e.g. `https://api.use1.aprod.bauplanlabs.com`; `/catalog/v0` is appended. */
  endpoint: string;
  apiKey: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Tries per call for 429, 5xx and network errors (default 4). */
  attempts?: number;
  /** Base of the exponential backoff (default 200 ms). */
  backoffMs?: number;
  /** `max_records` per page of a list call (default 100). */
  pageSize?: number;
  /** Per-attempt timeout, including reading the body (default 60 s). */
  timeoutMs?: number;
}

/** What a merge did: the new head of the target branch, or nothing because there was nothing to merge. */
export type MergeResult = { ref: CatalogRef } | { sameRef: true };

/** Filled in by a call: whether an attempt failed in a way that may have applied it (no answer, or a 5xx) before a retry. */
interface AttemptLog {
  uncertain: boolean;
}

interface SendOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly hints?: Hints;
  readonly attempts?: AttemptLog;
}

type Method = 'GET' | 'POST' | 'DELETE';
type Query = Record<string, string | number | undefined>;
type Hints = Omit<CatalogRequest, 'method' | 'path'>;
type Envelope = z.infer<typeof envelopeSchema>;

/** A path whose interpolated values are each percent-encoded as one segment. */
interface Route {
  encoded: string;
  plain: string;
}

function route(strings: TemplateStringsArray, ...values: string[]): Route {
  let encoded = strings[0] ?? '';
  let plain = encoded;
  values.forEach((value, i) => {
    const rest = strings[i + 1] ?? '';
    encoded += encodeURIComponent(value) + rest;
    plain += value + rest;
  });
  return { encoded, plain };
}

/** A thin, typed client for Bauplan's REST catalog. Never puts the API key in an error. */
export class CatalogClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #pageSize: number;
  readonly #timeoutMs: number;

  constructor(options: CatalogClientOptions) {
    this.#base = `${options.endpoint.replace(/\/+$/, '')}/catalog/v0`;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#attempts = Math.max(1, options.attempts ?? 4);
    this.#backoffMs = options.backoffMs ?? 200;
    this.#pageSize = Math.max(1, options.pageSize ?? 100);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  async getBranch(name: string): Promise<BranchRecord> {
    return this.#one('GET', route`/branches/${name}`, namedRefSchema, { hints: { ref: name } });
  }

  async listBranches(options: { name?: string; user?: string } = {}): Promise<BranchRecord[]> {
    return this.#list(route`/branches`, { filter_by_name: options.name, filter_by_user: options.user }, namedRefSchema);
  }

  /**
   * Creates a branch. When an attempt got no answer (or a 5xx) and the retry finds the branch
   * existing, that attempt made it: the branch is returned rather than BRANCH_EXISTS.
   */
  async createBranch(name: string, fromRef: string): Promise<BranchRecord> {
    const body = { branch_name: name, from_ref: fromRef };
    const attempts: AttemptLog = { uncertain: false };
    try {
      return await this.#one('POST', route`/branches`, namedRefSchema, { body, hints: { ref: name }, attempts });
    } catch (error) {
      if (attempts.uncertain && error instanceof FloodgateError && error.details.remoteType === 'BRANCH_EXISTS') return this.getBranch(name);
      throw error;
    }
  }

  async deleteBranch(name: string): Promise<void> {
    await this.#send('DELETE', route`/branches/${name}`, { hints: { ref: name } });
  }

  async getTag(name: string): Promise<TagRecord> {
    return this.#one('GET', route`/tags/${name}`, namedRefSchema, { hints: { ref: name } });
  }

  async listTags(options: { name?: string } = {}): Promise<TagRecord[]> {
    return this.#list(route`/tags`, { filter_by_name: options.name }, namedRefSchema);
  }

  async createTag(name: string, fromRef: string): Promise<TagRecord> {
    const body = { tag_name: name, from_ref: fromRef };
    return this.#one('POST', route`/tags`, namedRefSchema, { body, hints: { ref: name } });
  }

  async deleteTag(name: string): Promise<void> {
    await this.#send('DELETE', route`/tags/${name}`, { hints: { ref: name } });
  }

  /** Commits reachable from `ref`, newest first, at most `limit` of them. */
  async commits(ref: string, options: { limit?: number } = {}): Promise<CommitRecord[]> {
    const commits = await this.#list(route`/refs/${ref}/commits`, {}, commitSchema, options.limit, { ref });
    return commits.map(toCommitRecord);
  }

  async tables(ref: string, options: { namespace?: string } = {}): Promise<TableRecord[]> {
    const tables = await this.#list(route`/refs/${ref}/tables`, { filter_by_namespace: options.namespace }, tableSchema, undefined, { ref });
    return tables.map(toTableRecord);
  }

  async table(ref: string, namespace: string, name: string): Promise<TableRecord> {
    const hints = { ref, table: `${namespace}.${name}` };
    return toTableRecord(await this.#one('GET', route`/refs/${ref}/tables/${name}`, tableSchema, { query: { namespace }, hints }));
  }

  /** Drops a table on a branch; resolves to the branch's new head when Bauplan reports it. */
  async deleteTable(branch: string, namespace: string, name: string): Promise<CatalogRef | undefined> {
    const hints = { ref: branch, table: `${namespace}.${name}` };
    const envelope = await this.#send('DELETE', route`/branches/${branch}/tables/${name}`, { query: { namespace }, hints });
    return envelope.ref ?? undefined;
  }

  async namespaces(ref: string): Promise<string[]> {
    const namespaces = await this.#list(route`/refs/${ref}/namespaces`, {}, namespaceSchema, undefined, { ref });
    return namespaces.map((namespace) => namespace.name);
  }

  /** Creates a namespace on a branch; one that already exists counts as created. */
  async createNamespace(branch: string, name: string): Promise<void> {
    try {
      await this.#send('POST', route`/branches/${branch}/namespaces`, { body: { namespace_name: name }, hints: { ref: branch } });
    } catch (error) {
      if (error instanceof FloodgateError && error.details.remoteType === 'NAMESPACE_EXISTS') return;
      throw error;
    }
  }

  /**
   * Merges `sourceRef` (a branch, or `branch@hash` to publish exactly an audited commit) into
   * `intoBranch`. SAME_REF, Bauplan's "nothing to merge", resolves to `{sameRef: true}`, except
   * after an attempt that got no answer (or a 5xx): that attempt merged, so the result is the
   * target's head.
   */
  async merge(
    sourceRef: string,
    intoBranch: string,
    options: { message?: string; body?: string; properties?: Record<string, string> } = {},
  ): Promise<MergeResult> {
    const path = route`/refs/${sourceRef}/merge/${intoBranch}`;
    const body = { commit_message: options.message, commit_body: options.body, commit_properties: options.properties };
    const attempts: AttemptLog = { uncertain: false };
    let envelope: Envelope;
    try {
      envelope = await this.#send('POST', path, { body, hints: { ref: sourceRef, into: intoBranch }, attempts });
    } catch (error) {
      if (error instanceof FloodgateError && error.details.remoteType === 'SAME_REF') {
        if (!attempts.uncertain) return { sameRef: true };
        const head = await this.getBranch(intoBranch);
        return { ref: { type: 'BRANCH', name: head.name, hash: head.hash } };
      }
      throw error;
    }
    if (envelope.ref == null) throw new FloodgateError('INTERNAL', `Bauplan answered POST ${path.plain} without the new head ref`);
    return { ref: envelope.ref };
  }

  async #one<S extends z.ZodType>(method: Method, path: Route, schema: S, options: SendOptions): Promise<z.output<S>> {
    const envelope = await this.#send(method, path, options);
    return this.#data(schema, envelope.data, method, path);
  }

  /** Follows `metadata.pagination_token` until it runs out or `limit` items have arrived. */
  async #list<S extends z.ZodType>(path: Route, query: Query, schema: S, limit?: number, hints: Hints = {}): Promise<z.output<S>[]> {
    const items: z.output<S>[] = [];
    let token: string | undefined;
    while (limit === undefined || items.length < limit) {
      const max = limit === undefined ? this.#pageSize : Math.min(this.#pageSize, limit - items.length);
      const envelope = await this.#send('GET', path, { query: { ...query, max_records: max, pagination_token: token }, hints });
      const page: unknown = envelope.data;
      if (!Array.isArray(page)) throw new FloodgateError('INTERNAL', `Bauplan answered GET ${path.plain} without a list`);
      items.push(...page.map((item: unknown) => this.#data(schema, item, 'GET', path)));
      const next = envelope.metadata?.pagination_token ?? undefined;
      if (next === undefined || next === '') break;
      if (next === token) throw new FloodgateError('INTERNAL', `Bauplan repeated pagination token on GET ${path.plain}`);
      token = next;
    }
    return limit === undefined ? items : items.slice(0, limit);
  }

  #data<S extends z.ZodType>(schema: S, data: unknown, method: Method, path: Route): z.output<S> {
    const parsed = schema.safeParse(data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const at = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
    throw new FloodgateError('INTERNAL', `unexpected data from Bauplan for ${method} ${path.plain}${at}`);
  }

  /** One call with retries for 429, 5xx and network errors; returns the success envelope. */
  async #send(method: Method, path: Route, options: SendOptions = {}): Promise<Envelope> {
    const request: CatalogRequest = { method, path: path.plain, ...options.hints };
    const url = `${this.#base}${path.encoded}${queryString(options.query)}`;
    for (let attempt = 1; ; attempt += 1) {
      let failure: FloodgateError;
      let waitMs: number | undefined;
      try {
        const response = await this.#fetchOnce(method, url, options.body);
        if (response.status >= 200 && response.status < 300) return this.#envelope(response.status, response.text, request);
        failure = catalogError(response.status, response.text, request);
        if (response.status !== 429 && response.status < 500) throw failure;
        if (response.status >= 500 && options.attempts !== undefined) options.attempts.uncertain = true;
        waitMs = retryAfterMs(response.retryAfter);
      } catch (error) {
        if (error instanceof FloodgateError) throw redactSecret(error, this.#apiKey);
        if (options.attempts !== undefined) options.attempts.uncertain = true;
        const reason = error instanceof Error ? error.message : String(error);
        failure = new FloodgateError('CATALOG_UNAVAILABLE', `cannot reach Bauplan catalog for ${method} ${path.plain}: ${reason}`, {
          retryable: true,
          cause: error,
        });
      }
      if (attempt >= this.#attempts) throw redactSecret(failure, this.#apiKey);
      await sleep(waitMs ?? backoffMs(attempt - 1, this.#backoffMs));
    }
  }

  async #fetchOnce(method: Method, url: string, body: unknown): Promise<{ status: number; text: string; retryAfter: string | null }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.#fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
  }

  #envelope(status: number, text: string, request: CatalogRequest): Envelope {
    let json: unknown;
    try {
      json = parseCatalogJson(text);
    } catch {
      throw catalogError(status, text, request);
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success || (typeof json === 'object' && json !== null && 'error' in json && !('data' in json))) throw catalogError(status, json, request);
    return parsed.data;
  }
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
