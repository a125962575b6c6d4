import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { Dictionary, Int32, Table, Utf8, tableFromIPC, tableToIPC, util, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloodgateError } from '../../src/shared/errors/index.js';
import { readFlightResults } from '../../src/shared/lakehouse/bauplan/flight/client.js';
import { parseFlightEndpoint } from '../../src/shared/lakehouse/bauplan/flight/endpoint.js';
import { IPC_END_OF_STREAM, encodeIpcMessages, frameIpcMessage } from '../../src/shared/lakehouse/bauplan/flight/ipc.js';
import { grpcFlightTransport, type FlightTransport } from '../../src/shared/lakehouse/bauplan/flight/transport.js';
import { PYTHON, REPO_ROOT } from '../support/paths.js';
import { freePort } from '../support/ports.js';

const TOKEN = 'flight-test-token-3f9c2a';
const SERVER_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'bauplan', 'pyarrow_flight_server.py');
const DAY_MS = 86_400_000;
const EPOCH_MS = Date.UTC(2024, 0, 1);

interface ServerState {
  shutdowns: number;
  criteria: string[];
  max_active: number;
  gets: number[];
}

let child: ChildProcessWithoutNullStreams | undefined;
let endpoint = '';
let control: FlightTransport | undefined;

/** Starts the pyarrow Flight server; resolves with the port it prints once it listens. */
async function startServer(): Promise<number> {
  const server = spawn(PYTHON, [SERVER_SCRIPT, TOKEN], { stdio: ['pipe', 'pipe', 'pipe'] });
  child = server;
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pyarrow Flight server did not start in 30 s: ${stderr}`)), 30_000);
    let stdout = '';
    server.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve(Number(line.trim()));
      }
    });
    server.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pyarrow Flight server exited with ${code}: ${stderr}`));
    });
  });
}

async function action(type: string, body: unknown = null): Promise<unknown[]> {
  if (control === undefined) throw new Error('server not started');
  const payload = Buffer.from(body === null ? '' : JSON.stringify(body));
  return control.call('DoAction', { type, body: payload }, { deadline: new Date(Date.now() + 10_000), signal: new AbortController().signal });
}

async function configure(options: Record<string, unknown>): Promise<void> {
  await action('configure', options);
}

async function state(): Promise<ServerState> {
  const [result] = (await action('state')) as Array<{ body: Buffer }>;
  if (result === undefined) throw new Error('state action returned nothing');
  return JSON.parse(result.body.toString('utf8')) as ServerState;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the read to fail');
    },
    (error: unknown) => error,
  );
}

/** Checks every value of the rows the server generates for ids 0..rows-1. */
function expectRows(table: Table, rows: number): void {
  expect(table.numRows).toBe(rows);
  expect(table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual([
    'id:Int64',
    'amount:Float64',
    'name:Utf8',
    'flag:Bool',
    'day:Date32<DAY>',
    'ts:Timestamp<MICROSECOND, UTC>',
    'price:Decimal[10e+2]',
  ]);
  if (rows === 0) return;
  const column = (name: string) => {
    const vector = table.getChild(name);
    if (vector === null) throw new Error(`no column ${name}`);
    return vector.toArray() as ArrayLike<unknown>;
  };
  const ids = column('id') as BigInt64Array;
  expect(Array.from(ids, Number)).toEqual(Array.from({ length: rows }, (_, i) => i));
  expect(ids.reduce((sum, id) => sum + id, 0n)).toBe(BigInt((rows * (rows - 1)) / 2));
  expect(Array.from(column('amount') as Float64Array).reduce((sum, v) => sum + v, 0)).toBe((rows * (rows - 1)) / 4);
  const names = table.getChild('name');
  expect(names?.nullCount).toBe(Math.floor((rows - 1) / 7) + 1);
  expect([names?.get(0), names?.get(1), names?.get(7), names?.get(rows - 1)]).toEqual([null, 'row-1', null, `row-${rows - 1}`]);
  const flags = Array.from({ length: rows }, (_, i) => table.getChild('flag')?.get(i) as boolean);
  expect(flags.filter(Boolean).length).toBe(Math.floor((rows - 1) / 3) + 1);
  const day = table.getChild('day');
  expect([day?.get(0), day?.get(1234)]).toEqual([EPOCH_MS, EPOCH_MS + 1234 * DAY_MS]);
  expect(day?.get(rows - 1)).toBe(EPOCH_MS + (rows - 1) * DAY_MS);
  const ts = table.getChild('ts');
  expect([ts?.get(0), ts?.get(1234)]).toEqual([EPOCH_MS, EPOCH_MS + 1_234_000]);
  // apache-arrow gives a decimal as its unscaled integer (scale 2: 1246.34 is 124634).
  const price = table.getChild('price');
  expect([String(price?.get(3)), String(price?.get(1234))]).toEqual(['303', '124634']);
  let priceSum = 0n;
  for (let i = 0; i < rows; i++) priceSum += BigInt(String(price?.get(i)));
  expect(priceSum).toBe(101n * BigInt((rows * (rows - 1)) / 2));
}

beforeAll(async () => {
  const port = await startServer();
  endpoint = `127.0.0.1:${port}`;
  control = grpcFlightTransport({ address: endpoint, tls: false }, TOKEN);
});

afterAll(async () => {
  control?.close();
  const server = child;
  if (server === undefined || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.stdin.end();
  const timer = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
});

describe('readFlightResults against a pyarrow Flight server', () => {
  it.each(['none', 'lz4', 'zstd'])('reads a %s-compressed result split over two tickets', async (scenario) => {
    await configure({ scenario, parts: 2, rows: 1000, chunk: 256 });
    const table = await readFlightResults({ endpoint, token: TOKEN, useTls: false });
    expectRows(table, 2000);
    expect(new Date(table.getChild('day')?.get(1999) as number).toISOString()).toBe('2029-06-22T00:00:00.000Z');
    expect(table.batches.length).toBe(8);
    const after = await state();
    expect(after.criteria).toEqual(['{"max_rows":null}']);
    expect(after.gets).toEqual(expect.arrayContaining([0, 1]));
    expect(after.shutdowns).toBe(1);
  });

  it('keeps flight order with mixed codecs, two DoGets at a time, and sends max_rows', async () => {
    await configure({ scenario: 'mixed', parts: 5, rows: 300, chunk: 64, delay: 0.03 });
    const table = await readFlightResults({ endpoint: `grpc://${endpoint}`, token: TOKEN, useTls: false, maxRows: 1500 });
    expectRows(table, 1500);
    const after = await state();
    expect(after.criteria).toEqual(['{"max_rows":1500}']);
    expect(after.gets.slice().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(after.max_active).toBe(2);
    expect(after.shutdowns).toBe(1);
  });

  it("reads a batch larger than gRPC's default 4 MiB message limit", async () => {
    await configure({ scenario: 'none', parts: 1, rows: 200_000, chunk: 200_000 });
    const table = await readFlightResults({ endpoint, token: TOKEN, useTls: false });
    expectRows(table, 200_000);
    expect(table.batches.length).toBe(1);
  });

  it('returns the schema with zero rows when the stream has no batches', async () => {
    await configure({ scenario: 'empty' });
    const table = await readFlightResults({ endpoint, token: TOKEN, useTls: false });
    expectRows(table, 0);
    expect((await state()).shutdowns).toBe(1);
  });

  it("takes the FlightInfo's schema when the flight has no endpoints", async () => {
    await configure({ scenario: 'no-endpoints' });
    const table = await readFlightResults({ endpoint, token: TOKEN, useTls: false });
    expectRows(table, 0);
    expect((await state()).gets).toEqual([]);
  });

  it('fails with QUERY_FAILED when there are no flights, and still shuts the server down', async () => {
    await configure({ scenario: 'no-flights' });
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false }));
    expect(error).toBeInstanceOf(FloodgateError);
    expect(error).toMatchObject({ code: 'QUERY_FAILED', retryable: false });
    expect((await state()).shutdowns).toBe(1);
  });

  it('fails when a stream renames a column', async () => {
    await configure({ scenario: 'renamed' });
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false }));
    expect(error).toMatchObject({ code: 'QUERY_FAILED' });
    expect((error as Error).message).toContain('label');
  });

  it('maps a server error in DoGet to QUERY_FAILED', async () => {
    await configure({ scenario: 'failing' });
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false }));
    expect(error).toMatchObject({ code: 'QUERY_FAILED', retryable: false });
    expect((error as Error).message).toContain('the query runner crashed');
  });

  it('maps a refused token to REMOTE_UNAUTHORIZED without echoing the token', async () => {
    await configure({ scenario: 'none' });
    const wrong = 'wrong-token-81b7e0';
    const error = await rejection(readFlightResults({ endpoint, token: wrong, useTls: false }));
    expect(error).toBeInstanceOf(FloodgateError);
    expect(error).toMatchObject({ code: 'REMOTE_UNAUTHORIZED', retryable: false });
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect((error as Error).message).not.toContain(wrong);
    expect((await state()).criteria).toEqual([]);
  });

  it('maps an unreachable server to a retryable CATALOG_UNAVAILABLE', async () => {
    const port = await freePort();
    const error = await rejection(readFlightResults({ endpoint: `http://127.0.0.1:${port}`, token: TOKEN, useTls: false }));
    expect(error).toMatchObject({ code: 'CATALOG_UNAVAILABLE', retryable: true });
  });

  it('maps a passed deadline to a retryable CATALOG_UNAVAILABLE', async () => {
    await configure({ scenario: 'none', parts: 1, rows: 100, chunk: 10, delay: 0.2 });
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false, timeoutMs: 300 }));
    expect(error).toMatchObject({ code: 'CATALOG_UNAVAILABLE', retryable: true });
  });

  it('rejects with the reason of an already aborted signal without calling the server', async () => {
    await configure({ scenario: 'none' });
    const reason = new Error('caller gave up');
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false, signal: AbortSignal.abort(reason) }));
    expect(error).toBe(reason);
    expect((await state()).criteria).toEqual([]);
  });

  it('cancels the DoGets and rejects with the reason when aborted mid-read', async () => {
    await configure({ scenario: 'none', parts: 2, rows: 100, chunk: 10, delay: 0.3 });
    const controller = new AbortController();
    const reason = new Error('stop now');
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 300);
    const error = await rejection(readFlightResults({ endpoint, token: TOKEN, useTls: false, signal: controller.signal }));
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The shutdown is sent in the background after an abort.
    await expect.poll(async () => (await state()).shutdowns, { timeout: 3_000 }).toBe(1);
  });
});

describe('IPC framing', () => {
  const table = (): Table => {
    const first = new Table({
      id: vectorFromArray([1, 2, 3], new Int32()),
      label: vectorFromArray(['a', null, 'c'], new Utf8()),
      kind: vectorFromArray(['x', 'y', 'x'], new Dictionary(new Utf8(), new Int32())),
    });
    const second = new Table({
      id: vectorFromArray([4, 5], new Int32()),
      label: vectorFromArray(['d', 'e'], new Utf8()),
      kind: vectorFromArray(['y', null], new Dictionary(new Utf8(), new Int32())),
    });
    return first.concat(second);
  };

  it('splits a stream into schema, dictionary and record batch messages and frames them back', () => {
    const original = table();
    const bytes = tableToIPC(original, 'stream');
    const messages = encodeIpcMessages(bytes);
    // schema, then per batch one dictionary batch and one record batch; the end marker is skipped
    expect(messages.length).toBe(5);
    expect(messages[0]?.body.byteLength).toBe(0);
    const frames = messages.map(({ header, body }) => frameIpcMessage(header, body));
    const stream = Buffer.concat([...frames, IPC_END_OF_STREAM]);
    expect(Buffer.compare(stream, Buffer.from(bytes))).toBe(0);
    const back = tableFromIPC(stream);
    expect(util.compareSchemas(back.schema, original.schema)).toBe(true);
    expect(back.toArray().map((row) => row.toJSON())).toEqual(original.toArray().map((row) => row.toJSON()));
    expect(back.toArray().map((row) => row.toJSON())[4]).toEqual({ id: 5, label: 'e', kind: null });
  });

  it('reads streams without continuation markers and pads a trimmed body', () => {
    const bytes = tableToIPC(table(), 'stream');
    const messages = encodeIpcMessages(bytes);
    const legacy = Buffer.concat(
      messages.flatMap(({ header, body }) => {
        const length = Buffer.alloc(4);
        length.writeInt32LE(header.byteLength);
        return [length, header, body];
      }),
    );
    const reread = encodeIpcMessages(legacy);
    expect(reread.map((m) => [m.header.byteLength, m.body.byteLength])).toEqual(messages.map((m) => [m.header.byteLength, m.body.byteLength]));
    const last = messages[4];
    if (last === undefined) throw new Error('missing record batch');
    const trimmed = frameIpcMessage(last.header, last.body.subarray(0, last.body.byteLength - 4));
    expect(trimmed.byteLength).toBe(frameIpcMessage(last.header, last.body).byteLength);
  });

  it('parses the endpoint forms Bauplan announces', () => {
    expect(parseFlightEndpoint('10.0.0.1:8815', false)).toEqual({ address: '10.0.0.1:8815', tls: false });
    expect(parseFlightEndpoint('grpc://host:1', false)).toEqual({ address: 'host:1', tls: false });
    expect(parseFlightEndpoint('grpc+tls://host:2', false)).toEqual({ address: 'host:2', tls: true });
    expect(parseFlightEndpoint('https://host/', false)).toEqual({ address: 'host:443', tls: true });
    expect(parseFlightEndpoint('http://[::1]:3', true)).toEqual({ address: '[::1]:3', tls: true });
    expect(() => parseFlightEndpoint('ftp://host:1', false)).toThrow(/scheme/);
    expect(() => parseFlightEndpoint('host', false)).toThrow(/no port/);
  });
});
