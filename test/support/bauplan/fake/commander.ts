import crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { JOB_STATE } from '../../../../src/shared/lakehouse/bauplan/proto/commander.js';
import { commanderService } from '../../../../src/shared/lakehouse/bauplan/proto/services.js';
import type { FlightResults } from './flight-server.js';
import { bearerToken, grpcError, startGrpcServer } from './grpc-server.js';
import { JOB_KIND, type FakeJob, type JobHandler, type JobRpc, type JobRunner } from './jobs.js';
import { tableDataImport } from './job-import.js';
import { tableCreatePlan, tableCreatePlanApply } from './job-plan.js';
import { queryRun } from './job-query.js';
import type { FakeContext } from './state.js';

type Request = Record<string, unknown>;
type Unary = grpc.handleUnaryCall<Request, unknown>;

const HUMAN_STATUS: Readonly<Record<number, string>> = {
  [JOB_STATE.notStarted]: 'not started',
  [JOB_STATE.running]: 'running',
  [JOB_STATE.complete]: 'complete',
  [JOB_STATE.abort]: 'abort',
  [JOB_STATE.fail]: 'fail',
};

function jobInfo(job: FakeJob): Record<string, unknown> {
  return {
    id: job.id,
    human_readable_status: HUMAN_STATUS[job.status] ?? 'other',
    kind: job.rpc,
    user: job.user,
    status: job.status,
    kind_type: JOB_KIND[job.rpc],
    ...(job.errorMessage === undefined ? {} : { error_message: job.errorMessage }),
  };
}

/** Bauplan's job service (V2CommanderService) over the fake's job runner. */
export async function startCommander(options: {
  context: FakeContext;
  jobs: JobRunner;
  flight: FlightResults;
  resultArtifact: boolean;
}): Promise<{ target: string; close(): Promise<void> }> {
  const { context, jobs, flight } = options;

  const authorized = (call: { metadata: grpc.Metadata }): boolean => bearerToken(call.metadata) === context.apiKey;
  const denied = () => grpcError(grpc.status.UNAUTHENTICATED, 'missing or invalid API key');

  /** A unary RPC that starts a job and answers with its id at once. */
  const submit =
    (rpc: JobRpc, handler: (request: Request) => JobHandler, extra: (request: Request) => Request = () => ({})): Unary =>
    (call, callback) => {
      if (!authorized(call)) return callback(denied());
      const job = jobs.submit(rpc, call.request, handler(call.request));
      callback(null, { job_response_common: { job_id: job.id, username: context.username }, ...extra(call.request) });
    };

  const implementation: grpc.UntypedServiceImplementation = {
    GetBauplanInfo: ((call, callback) => {
      if (!authorized(call)) return callback(denied());
      callback(null, {
        user: context.username,
        server_version: 'fake',
        user_info: { id: 'u1', username: context.username, first_name: '', last_name: '' },
      });
    }) satisfies Unary,
    TableCreatePlan: submit('TableCreatePlan', (request) => tableCreatePlan(context, request)),
    TableCreatePlanApply: submit('TableCreatePlanApply', (request) => tableCreatePlanApply(context, request)),
    TableDataImport: submit('TableDataImport', (request) => tableDataImport(context, request)),
    QueryRun: submit(
      'QueryRun',
      (request) => queryRun(context, flight, request, options.resultArtifact),
      (request) => ({
        sql_query: request['sql_query'] ?? '',
        ref: request['ref'] ?? '',
        namespace: request['namespace'] ?? '',
        cache: request['cache'] ?? '',
        ...(options.resultArtifact
          ? { result_artifact: { artifact_id: crypto.randomUUID(), server_public_key: crypto.randomBytes(32), auth_token: crypto.randomBytes(16).toString('hex') } }
          : {}),
      }),
    ),
    GetJobs: ((call, callback) => {
      if (!authorized(call)) return callback(denied());
      const ids = (call.request['job_ids'] as string[] | undefined) ?? [];
      const selected = ids.length === 0 ? [...jobs.jobs.values()] : ids.flatMap((id) => jobs.jobs.get(id) ?? []);
      callback(null, { jobs: selected.map(jobInfo), pagination_token: '' });
    }) satisfies Unary,
    CancelJob: ((call, callback) => {
      if (!authorized(call)) return callback(denied());
      const id = (call.request['job_id'] as { id?: string } | undefined)?.id ?? '';
      const outcome = jobs.cancel(id);
      if (outcome === 'unknown') return callback(grpcError(grpc.status.NOT_FOUND, `job ${id} not found`));
      callback(null, outcome === 'cancelled' ? { status: 1, message: 'cancelled' } : { status: 2, message: 'the job has already finished' });
    }) satisfies Unary,
    SubscribeLogs: (call: grpc.ServerWritableStream<Request, unknown>) => {
      if (!authorized(call)) {
        call.emit('error', denied());
        return;
      }
      const id = (call.request['job_id'] as string | undefined) ?? '';
      let ended = false;
      const unsubscribe = jobs.subscribe(id, (message) => {
        if (ended || call.cancelled) return;
        call.write(message);
        if ('job_completion' in message.runner_event) {
          ended = true;
          call.end();
        }
      });
      if (unsubscribe === undefined) {
        call.emit('error', grpcError(grpc.status.NOT_FOUND, `job ${id} not found`));
        return;
      }
      call.on('cancelled', unsubscribe);
      call.on('close', unsubscribe);
    },
  };
  return startGrpcServer(commanderService(), implementation);
}
