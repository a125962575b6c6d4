import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FloodgateError } from '../../src/shared/errors/index.js';
import { CatalogClient, type CatalogClientOptions } from '../../src/shared/lakehouse/bauplan/catalog/client.js';
import {
  MergeConflictError,
  RefChangedError,
  RefExistsError,
  RefNotFoundError,
  TableNotFoundError,
} from '../../src/shared/lakehouse/errors.js';

const KEY = 'bpln-test-key-3f9c1e';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}
interface Reply {
  status: number;
  /** An object is sent as JSON, a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let reply: (request: Seen) => Reply = () => ({ status: 500 });

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      const { status, body, headers } = reply(request);
      if (status === 0) return; // never answer
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
});

function client(options: Partial<CatalogClientOptions> = {}): CatalogClient {
  return new CatalogClient({ endpoint, apiKey: KEY, backoffMs: 1, ...options });
}

function ok(data: unknown, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { data, metadata: { pagination_token: null }, ...extra } };
}

function failure(status: number, type: string, context: Record<string, unknown> = {}): Reply {
  return { status, body: { error: { type, message: `${type} happened`, context } } };
}

async function rejection(promise: Promise<unknown>): Promise<FloodgateError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FloodgateError);
  return error as FloodgateError;
}

const TABLE = {
  id: '6d1f1b0e-6e8e-4c39-8a57-3f2a9a0c2b11',
  name: 'trips',
  namespace: 'taxi',
  kind: 'TABLE',
  records: 1200,
  size: 52_000,
  last_updated_ms: 1_767_000_000_000,
  fields: [{ id: 1, name: 'fare', required: false, type: 'double' }],
  snapshots: 3,
  partitions: [],
  metadata_location: 's3://lake/taxi/trips/metadata/00003.metadata.json',
  some_future_field: { nested: true },
};

describe('CatalogClient envelopes', () => {
  it('reads a branch and tolerates unknown fields', async () => {
    reply = () => ok({ name: 'main', hash: 'abc123', extra: 1 }, { ref: { type: 'BRANCH', name: 'main', hash: 'abc123' } });
    expect(await client().getBranch('main')).toEqual({ name: 'main', hash: 'abc123' });
    expect(seen[0]?.method).toBe('GET');
    expect(seen[0]?.url).toBe('/catalog/v0/branches/main');
  });

  it('maps a table and keeps a 64-bit snapshot id exact', async () => {
    const raw = JSON.stringify({ data: { ...TABLE, current_snapshot_id: 0 }, metadata: {} }).replace(
      '"current_snapshot_id":0',
      '"current_snapshot_id":8744736658442914487',
    );
    reply = () => ({ status: 200, body: raw });
    const table = await client().table('main', 'taxi', 'trips');
    expect(table).toEqual({
      namespace: 'taxi',
      name: 'trips',
      records: 1200,
      size: 52_000,
      fields: [{ id: 1, name: 'fare', required: false, type: 'double' }],
      metadataLocation: 's3://lake/taxi/trips/metadata/00003.metadata.json',
      snapshotId: '8744736658442914487',
    });
    expect(seen[0]?.url).toBe('/catalog/v0/refs/main/tables/trips?namespace=taxi');
  });

  it('maps commits', async () => {
    const commit = {
      ref: { type: 'DETACHED', hash: 'c2' },
      message: 'import batch 7',
      authors: [],
      authored_date: '2026-01-02T03:04:05Z',
      committer: { name: 'bauplan-bot', email: null },
      committed_date: '2026-01-02T03:04:05Z',
      parent_ref: { type: 'BRANCH', name: 'main', hash: 'c1' },
      parent_hashes: ['c1'],
    };
    reply = () => ok([commit]);
    expect(await client().commits('main')).toEqual([
      { hash: 'c2', message: 'import batch 7', author: 'bauplan-bot', authoredAt: '2026-01-02T03:04:05Z', parentHashes: ['c1'], properties: {} },
    ]);
  });

  it('rejects data of the wrong shape as INTERNAL', async () => {
    reply = () => ok({ name: 'main' });
    const error = await rejection(client().getBranch('main'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('hash');
  });

  it('treats NAMESPACE_EXISTS as created', async () => {
    reply = () => failure(409, 'NAMESPACE_EXISTS');
    await expect(client().createNamespace('alice.wap', 'taxi')).resolves.toBeUndefined();
    expect(seen[0]?.url).toBe('/catalog/v0/branches/alice.wap/namespaces');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ namespace_name: 'taxi' });
  });
});

describe('CatalogClient pagination', () => {
  it('follows pagination tokens over three pages', async () => {
    const pages: Record<string, Reply> = {
      '': { status: 200, body: { data: [{ name: 'a', hash: '1' }], metadata: { pagination_token: 't2' } } },
      t2: { status: 200, body: { data: [{ name: 'b', hash: '2' }], metadata: { pagination_token: 't3' } } },
      t3: { status: 200, body: { data: [{ name: 'c', hash: '3' }], metadata: { pagination_token: null } } },
    };
    reply = (request) => pages[new URL(request.url, endpoint).searchParams.get('pagination_token') ?? ''] ?? { status: 500 };
    const branches = await client({ pageSize: 1 }).listBranches({ user: 'alice' });
    expect(branches.map((b) => b.name)).toEqual(['a', 'b', 'c']);
    expect(seen.map((r) => r.url)).toEqual([
      '/catalog/v0/branches?filter_by_user=alice&max_records=1',
      '/catalog/v0/branches?filter_by_user=alice&max_records=1&pagination_token=t2',
      '/catalog/v0/branches?filter_by_user=alice&max_records=1&pagination_token=t3',
    ]);
  });

  it('stops once the limit is reached', async () => {
    const commit = (hash: string): Record<string, unknown> => ({
      ref: { type: 'DETACHED', hash },
      message: null,
      authors: [{ name: 'alice' }],
      authored_date: '2026-01-01T00:00:00Z',
      committer: { name: 'bot' },
      committed_date: '2026-01-01T00:00:00Z',
      parent_ref: { type: 'DETACHED', hash: 'x' },
      parent_hashes: [],
    });
    let page = 0;
    reply = () => {
      page += 1;
      return { status: 200, body: { data: [commit(`p${page}a`), commit(`p${page}b`)], metadata: { pagination_token: `t${page + 1}` } } };
    };
    const commits = await client({ pageSize: 2 }).commits('main', { limit: 3 });
    expect(commits.map((c) => c.hash)).toEqual(['p1a', 'p1b', 'p2a']);
    expect(commits[0]?.author).toBe('alice');
    expect(seen).toHaveLength(2);
    expect(new URL(seen[1]?.url ?? '', endpoint).searchParams.get('max_records')).toBe('1');
  });
});

describe('CatalogClient paths', () => {
  it('percent-encodes every path segment', async () => {
    reply = (request) => (request.url.includes('/tables/') ? ok(TABLE) : ok({ name: 'x', hash: 'y' }));
    await client().getBranch('alice.wap/taxi.trips/r1');
    await client().table('alice.wap@abc123', 'taxi', 'trips');
    await client().deleteTable('alice.wap/taxi.trips/r1', 'taxi', 'trips');
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /catalog/v0/branches/alice.wap%2Ftaxi.trips%2Fr1',
      'GET /catalog/v0/refs/alice.wap%40abc123/tables/trips?namespace=taxi',
      'DELETE /catalog/v0/branches/alice.wap%2Ftaxi.trips%2Fr1/tables/trips?namespace=taxi',
    ]);
  });
});

describe('CatalogClient merge', () => {
  it('returns the new head from the top-level ref', async () => {
    const head = { type: 'BRANCH', name: 'main', hash: 'merged1' };
    reply = () => ok({ irrelevant: true }, { ref: head });
    const result = await client().merge('alice.wap/r1@audited9', 'main', { message: 'publish r1', properties: { run: 'r1' } });
    expect(result).toEqual({ ref: head });
    expect(seen[0]?.url).toBe('/catalog/v0/refs/alice.wap%2Fr1%40audited9/merge/main');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ commit_message: 'publish r1', commit_properties: { run: 'r1' } });
  });

  it('reports SAME_REF as nothing to merge', async () => {
    reply = () => failure(400, 'SAME_REF');
    expect(await client().merge('alice.wap', 'main')).toEqual({ sameRef: true });
    expect(seen).toHaveLength(1);
  });
});

describe('CatalogClient errors', () => {
  const cases: [number, string, string, (new (...args: never[]) => Error) | undefined, boolean, Record<string, unknown>?][] = [
    [400, 'INVALID_REF', 'INVALID_NAME', undefined, false],
    [400, 'NOT_A_BRANCH_REF', 'INVALID_NAME', undefined, false],
    [400, 'NOT_A_TAG_REF', 'INVALID_NAME', undefined, false],
    [400, 'NOT_A_WRITE_BRANCH_REF', 'INVALID_NAME', undefined, false],
    [400, 'BAD_REQUEST', 'INVALID_INPUT', undefined, false],
    [401, 'UNAUTHORIZED', 'REMOTE_UNAUTHORIZED', undefined, false],
    [403, 'FORBIDDEN', 'REMOTE_FORBIDDEN', undefined, false],
    [403, 'CREATE_BRANCH_FORBIDDEN', 'REMOTE_FORBIDDEN', undefined, false],
    [403, 'MERGE_FORBIDDEN', 'REMOTE_FORBIDDEN', undefined, false],
    [403, 'DELETE_TABLE_FORBIDDEN', 'REMOTE_FORBIDDEN', undefined, false],
    [404, 'BRANCH_NOT_FOUND', 'REF_NOT_FOUND', RefNotFoundError, false, { branch_name: 'alice.gone' }],
    [404, 'TAG_NOT_FOUND', 'REF_NOT_FOUND', RefNotFoundError, false],
    [404, 'REF_NOT_FOUND', 'REF_NOT_FOUND', RefNotFoundError, false],
    [404, 'TABLE_NOT_FOUND', 'TABLE_NOT_FOUND', TableNotFoundError, false],
    [404, 'NAMESPACE_NOT_FOUND', 'TABLE_NOT_FOUND', TableNotFoundError, false],
    [409, 'BRANCH_EXISTS', 'REF_EXISTS', RefExistsError, false],
    [409, 'TAG_EXISTS', 'REF_EXISTS', RefExistsError, false],
    [409, 'TABLE_EXISTS', 'TABLE_EXISTS', undefined, false],
    [409, 'BRANCH_HEAD_CHANGED', 'REF_CHANGED', RefChangedError, false, {
      input_ref: { type: 'BRANCH', name: 'main', hash: 'old1' },
      head_ref: { type: 'BRANCH', name: 'main', hash: 'new2' },
    }],
    [409, 'MERGE_CONFLICT', 'MERGE_CONFLICT', MergeConflictError, false, { tables: ['taxi.trips'] }],
    [429, 'TOO_MANY_REQUESTS', 'RATE_LIMITED', undefined, true],
    [500, 'SOMETHING_BROKE', 'CATALOG_UNAVAILABLE', undefined, true],
    [503, 'BRANCH_NOT_FOUND', 'CATALOG_UNAVAILABLE', undefined, true],
    [418, 'BRAND_NEW_TYPE', 'INVALID_INPUT', undefined, false],
  ];

  it.each(cases)('HTTP %i %s → %s', async (status, type, code, errorClass, retryable, context) => {
    reply = () => failure(status, type, context);
    const error = await rejection(client({ attempts: 1 }).getBranch('main'));
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.details.remoteType).toBe(type);
    expect(error.details.status).toBe(status);
    if (errorClass !== undefined) expect(error).toBeInstanceOf(errorClass);
    if (type === 'CREATE_BRANCH_FORBIDDEN') expect(error.message).toContain('`username.`');
    if (type === 'MERGE_FORBIDDEN') expect(error.message).toContain('protected');
    if (type === 'BRANCH_NOT_FOUND' && status === 404) expect(error.details.ref).toBe('alice.gone');
    if (error instanceof RefChangedError) expect(error.details).toMatchObject({ ref: 'main', expected: 'old1', actual: 'new2' });
    if (error instanceof MergeConflictError) expect(error.tables).toEqual(['taxi.trips']);
  });

  it('maps unparseable bodies by status', async () => {
    reply = () => ({ status: 502, body: '<html>bad gateway</html>' });
    const gateway = await rejection(client({ attempts: 1 }).getBranch('main'));
    expect([gateway.code, gateway.retryable]).toEqual(['CATALOG_UNAVAILABLE', true]);
    reply = () => ({ status: 400, body: 'nope' });
    const bad = await rejection(client({ attempts: 1 }).getBranch('main'));
    expect([bad.code, bad.retryable]).toEqual(['INTERNAL', false]);
  });

  it('MERGE_CONFLICT without tables names the merge and no tables', async () => {
    reply = () => failure(409, 'MERGE_CONFLICT', { source_ref: { type: 'BRANCH', name: 'alice.wap', hash: 'h' } });
    const error = await rejection(client().merge('alice.wap', 'main'));
    expect(error).toBeInstanceOf(MergeConflictError);
    expect(error.details).toMatchObject({ source: 'alice.wap', into: 'main', tables: [] });
  });
});

describe('CatalogClient retries', () => {
  it('retries a 429 and honours Retry-After: 0', async () => {
    reply = () => (seen.length === 1 ? { status: 429, headers: { 'retry-after': '0' }, body: '' } : ok({ name: 'main', hash: 'h1' }));
    const started = Date.now();
    // A 10 s backoff base would blow the test's time budget if Retry-After were ignored.
    expect(await client({ backoffMs: 10_000 }).getBranch('main')).toEqual({ name: 'main', hash: 'h1' });
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('gives up after `attempts` 503s with a retryable CATALOG_UNAVAILABLE', async () => {
    reply = () => failure(503, 'SERVICE_UNAVAILABLE');
    const error = await rejection(client({ attempts: 4 }).getBranch('main'));
    expect([error.code, error.retryable]).toEqual(['CATALOG_UNAVAILABLE', true]);
    expect(seen).toHaveLength(4);
  });

  it('never retries a 404', async () => {
    reply = () => failure(404, 'BRANCH_NOT_FOUND', { branch_name: 'nope' });
    await rejection(client({ attempts: 4 }).getBranch('nope'));
    expect(seen).toHaveLength(1);
  });

  it('retries timeouts as network errors', async () => {
    reply = () => ({ status: 0 });
    const error = await rejection(client({ attempts: 2, timeoutMs: 100 }).getBranch('main'));
    expect([error.code, error.retryable]).toEqual(['CATALOG_UNAVAILABLE', true]);
    expect(seen).toHaveLength(2);
  });
});

describe('CatalogClient credentials', () => {
  it('sends the bearer key and never puts it in an error', async () => {
    reply = () => ({ status: 401, body: { error: { type: 'UNAUTHORIZED', message: `key ${KEY} is revoked`, context: {} } } });
    const error = await rejection(client().getBranch('main'));
    expect(seen[0]?.authorization).toBe(`Bearer ${KEY}`);
    expect(error.code).toBe('REMOTE_UNAUTHORIZED');
    expect(JSON.stringify(error.toJSON())).not.toContain(KEY);
    expect(error.message).not.toContain(KEY);
  });

  it('keeps the key out of network errors', async () => {
    const closed = new CatalogClient({ endpoint: 'http://127.0.0.1:1', apiKey: KEY, attempts: 1 });
    const error = await rejection(closed.getBranch('main'));
    expect([error.code, error.retryable]).toEqual(['CATALOG_UNAVAILABLE', true]);
    expect(error.message).not.toContain(KEY);
  });
});
