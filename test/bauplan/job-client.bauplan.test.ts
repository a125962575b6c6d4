import { hostname } from 'node:os';
import {
  Server,
  ServerCredentials,
  status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FloodgateError } from '../../src/shared/errors/index.js';
import { JobClient } from '../../src/shared/lakehouse/bauplan/jobs/client.js';
import { assertSucceeded } from '../../src/shared/lakehouse/bauplan/jobs/outcome.js';
import { commanderService } from '../../src/shared/lakehouse/bauplan/proto/services.js';

const KEY = 'bpln-grpc-key-77aa01';

type Message = Record<string, unknown>;
type Unary = (request: Message, metadata: Metadata) => Message | { error: { code: number; details: string } };
type Stream = (call: ServerWritableStream<Message, Message>) => void;

interface Seen {
  method: string;
  request: Message;
  authorization: unknown;
}

let server: Server;
let target: string;
let seen: Seen[] = [];
let unary: Record<string, Unary> = {};
let stream: Stream = (call) => call.end();
let clients: JobClient[] = [];

beforeAll(async () => {
  server = new Server();
  const impl: UntypedServiceImplementation = {};
  for (const method of Object.keys(commanderService())) {
    if (method === 'SubscribeLogs') {
      impl[method] = (call: ServerWritableStream<Message, Message>) => {
        seen.push({ method, request: call.request, authorization: call.metadata.get('authorization')[0] });
        stream(call);
      };
      continue;
    }
    impl[method] = (call: ServerUnaryCall<Message, Message>, callback: sendUnaryData<Message>) => {
      seen.push({ method, request: call.request, authorization: call.metadata.get('authorization')[0] });
      const handler = unary[method];
      if (handler === undefined) {
        callback({ code: status.UNIMPLEMENTED, details: `${method} not scripted` });
        return;
      }
      const answer = handler(call.request, call.metadata);
      if ('error' in answer) callback(answer.error as never);
      else callback(null, answer);
    };
  }
  server.addService(commanderService(), impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  target = `127.0.0.1:${port}`;
});

afterAll(() => {
  server.forceShutdown();
});

beforeEach(() => {
  seen = [];
  unary = {};
  stream = (call) => call.end();
});

afterEach(() => {
  for (const client of clients) client.close();
  clients = [];
});

function client(): JobClient {
  const created = new JobClient({ target, tls: false, apiKey: KEY, moduleVersion: '0.0.0-test', deadlineMs: 5_000 });
  clients.push(created);
  return created;
}

function calls(method: string): Seen[] {
  return seen.filter((call) => call.method === method);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

const completion = (outcome: Message): Message => ({ job_id: 'job-1', runner_event: { job_completion: { job_id: 'job-1', ...outcome } } });

describe('JobClient', () => {
  it('learns and caches the username, sending the bearer key', async () => {
    unary.GetBauplanInfo = () => ({ user: 'fallback', user_info: { username: 'alice', id: 'u1' } });
    const jobs = client();
    expect(await jobs.username()).toBe('alice');
    expect(await jobs.username()).toBe('alice');
    expect(calls('GetBauplanInfo')).toHaveLength(1);
    expect(seen[0]?.authorization).toBe(`Bearer ${KEY}`);
  });

  it('submits a query and captures its Flight server while watching it succeed', async () => {
    unary.QueryRun = () => ({ job_response_common: { job_id: 'job-1' } });
    stream = (call) => {
      call.write({ job_id: 'job-1', runner_event: { runtime_user_log: { msg: 'planning', job_id: 'job-1' } } });
      call.write({
        job_id: 'job-1',
        runner_event: { flight_server_start: { endpoint: 'grpc+tls://flight.example:443', magic_token: 'tok-9', use_tls: true, num_rows: 42 } },
      });
      call.write(completion({ success: { msg: 'done' } }));
      call.end();
    };
    const jobs = client();
    const submitted = await jobs.queryRun({ ref: 'main@abc', sql: 'SELECT 1', namespace: 'taxi' });
    expect(submitted).toEqual({ jobId: 'job-1' });
    const query = calls('QueryRun')[0]?.request;
    expect(query).toMatchObject({ ref: 'main@abc', sql_query: 'SELECT 1', namespace: 'taxi' });
    expect(query?.job_request_common).toEqual({ module_version: '0.0.0-test', hostname: hostname(), args: {}, debug: 0 });

    const lines: string[] = [];
    const result = await jobs.watch('job-1', { onLog: (line) => lines.push(line) });
    expect(result).toEqual({
      jobId: 'job-1',
      outcome: { kind: 'success' },
      flight: { endpoint: 'grpc+tls://flight.example:443', magicToken: 'tok-9', useTls: true, numRows: 42 },
    });
    expect(lines).toEqual(['planning']);
    expect(calls('SubscribeLogs')[0]).toMatchObject({ request: { job_id: 'job-1' }, authorization: `Bearer ${KEY}` });
    expect(() => assertSucceeded(result, 'query')).not.toThrow();
  });

  it('returns a result artifact when the server offers one', async () => {
    unary.QueryRun = () => ({ job_response_common: { job_id: 'job-2' }, result_artifact: { artifact_id: 'art-1' } });
    expect(await client().queryRun({ ref: 'main', sql: 'SELECT 1' })).toEqual({ jobId: 'job-2', resultArtifact: { artifactId: 'art-1' } });
  });

  it('submits an import with the request fields Bauplan expects', async () => {
    unary.TableDataImport = () => ({ job_response_common: { job_id: 'imp-1' } });
    const jobId = await client().tableDataImport({
      branch: 'alice.wap',
      table: 'trips',
      namespace: 'taxi',
      searchString: 's3://bucket/trips/*.parquet',
      importDuplicateFiles: false,
    });
    expect(jobId).toBe('imp-1');
    expect(calls('TableDataImport')[0]?.request).toMatchObject({
      branch_name: 'alice.wap',
      table_name: 'trips',
      namespace: 'taxi',
      search_string: 's3://bucket/trips/*.parquet',
      import_duplicate_files: false,
    });
  });

  it('collects a table-create plan and fails an unsuccessful plan loudly', async () => {
    stream = (call) => {
      call.write({
        job_id: 'job-1',
        runner_event: {
          table_create_plan_done_event: {
            plan_as_yaml: 'schema: []',
            success: false,
            error_message: 'no files matched',
            can_auto_apply: false,
            files_to_be_imported: ['s3://b/a.parquet'],
          },
        },
      });
      call.write(completion({ success: { msg: 'done' } }));
      call.end();
    };
    const result = await client().watch('job-1');
    expect(result.plan).toEqual({ yaml: 'schema: []', success: false, error: 'no files matched', canAutoApply: false, files: ['s3://b/a.parquet'] });
    expect(() => assertSucceeded(result, 'table plan')).toThrow(/no files matched/);
  });

  it.each([
    [1, false],
    [2, true],
  ])('turns a failed job (error_code %i) into JOB_FAILED, retryable=%s', async (errorCode, retryable) => {
    stream = (call) => {
      call.write(completion({ failure: { error_message: 'column fare is not a double', error_code: errorCode } }));
      call.end();
    };
    const result = await client().watch('job-1');
    expect(result.outcome).toEqual({ kind: 'failure', message: 'column fare is not a double', retryable });
    const error = await rejection(Promise.resolve().then(() => assertSucceeded(result, 'import')));
    expect(error).toBeInstanceOf(FloodgateError);
    const failed = error as FloodgateError;
    expect([failed.code, failed.retryable]).toEqual(['JOB_FAILED', retryable]);
    expect(failed.message).toContain('job-1');
    expect(failed.message).toContain('column fare is not a double');
    expect(failed.details).toMatchObject({ jobId: 'job-1', outcome: 'failure', remoteMessage: 'column fare is not a double' });
  });

  it('falls back to polling GetJobs when the stream dies before the completion', async () => {
    stream = (call) => {
      call.write({ job_id: 'job-1', runner_event: { runtime_user_log: { msg: 'still going' } } });
      call.emit('error', { code: status.UNAVAILABLE, details: 'runner restarted' });
    };
    let polls = 0;
    unary.GetJobs = () => {
      polls += 1;
      const job = { id: 'job-1', kind: 'TableDataImport', status: polls < 3 ? 2 : 5, error_message: polls < 3 ? undefined : 'disk full' };
      return { jobs: [job] };
    };
    const result = await client().watch('job-1', { pollMs: 10 });
    expect(result.outcome).toEqual({ kind: 'failure', message: 'disk full', retryable: false });
    expect(polls).toBe(3);
    expect(calls('GetJobs')[0]?.request).toMatchObject({ job_ids: ['job-1'] });
  });

  it('polls to success when the stream ends cleanly without a completion', async () => {
    unary.GetJobs = () => ({ jobs: [{ id: 'job-1', kind: 'QueryRun', status: 3 }] });
    expect((await client().watch('job-1', { pollMs: 10 })).outcome).toEqual({ kind: 'success' });
  });

  it('cancels the job and rejects with the reason when aborted', async () => {
    let streamCancelled = false;
    stream = (call) => {
      call.on('cancelled', () => {
        streamCancelled = true;
      });
    };
    unary.CancelJob = () => ({ status: 1, message: 'ok' });
    const controller = new AbortController();
    const reason = new Error('worker shutting down');
    setTimeout(() => controller.abort(reason), 50);
    expect(await rejection(client().watch('job-7', { signal: controller.signal }))).toBe(reason);
    expect(calls('CancelJob').map((call) => call.request)).toEqual([{ job_id: { id: 'job-7' } }]);
    await expect.poll(() => streamCancelled).toBe(true);
  });

  it('cancels the job when the signal is already aborted', async () => {
    unary.CancelJob = () => ({ status: 1, message: 'ok' });
    const reason = new Error('already stopping');
    expect(await rejection(client().watch('job-6', { signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(calls('CancelJob').map((call) => call.request)).toEqual([{ job_id: { id: 'job-6' } }]);
  });

  it('cancels the job and throws a retryable JOB_FAILED on timeout', async () => {
    stream = () => undefined;
    unary.CancelJob = () => ({ status: 1, message: 'ok' });
    const error = (await rejection(client().watch('job-8', { timeoutMs: 50 }))) as FloodgateError;
    expect([error.code, error.retryable, error.details.outcome]).toEqual(['JOB_FAILED', true, 'timeout']);
    expect(calls('CancelJob')).toHaveLength(1);
  });

  it('throws when Bauplan refuses a cancellation', async () => {
    unary.CancelJob = () => ({ status: 2, message: 'job already finished' });
    const error = (await rejection(client().cancel('job-9'))) as FloodgateError;
    expect(error.message).toContain('job already finished');
  });

  it('maps UNAUTHENTICATED to REMOTE_UNAUTHORIZED without leaking the key', async () => {
    unary.GetBauplanInfo = () => ({ error: { code: status.UNAUTHENTICATED, details: `invalid key ${KEY}` } });
    const error = (await rejection(client().username())) as FloodgateError;
    expect([error.code, error.retryable]).toEqual(['REMOTE_UNAUTHORIZED', false]);
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error.toJSON())).not.toContain(KEY);
    expect(calls('GetBauplanInfo')).toHaveLength(1);
  });

  it('retries GetJobs on UNAVAILABLE but never a submission', async () => {
    let tries = 0;
    unary.GetJobs = () => {
      tries += 1;
      return tries === 1 ? { error: { code: status.UNAVAILABLE, details: 'blip' } } : { jobs: [{ id: 'job-3', kind: 'QueryRun', status: 2 }] };
    };
    expect(await client().job('job-3')).toEqual({ id: 'job-3', status: 2, kind: 'QueryRun' });
    expect(tries).toBe(2);

    unary.TableCreatePlan = () => ({ error: { code: status.UNAVAILABLE, details: 'blip' } });
    const error = (await rejection(
      client().tableCreatePlan({ branch: 'alice.wap', table: 't', namespace: 'n', searchString: 's3://b/*.parquet', replace: false }),
    )) as FloodgateError;
    expect([error.code, error.retryable]).toEqual(['CATALOG_UNAVAILABLE', true]);
    expect(calls('TableCreatePlan')).toHaveLength(1);
  });
});
