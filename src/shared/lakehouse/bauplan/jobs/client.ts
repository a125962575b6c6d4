import { hostname } from 'node:os';
import { credentials, makeGenericClientConstructor, Metadata } from '@grpc/grpc-js';
import { FloodgateError } from '../../../errors/index.js';
import { redactSecret } from '../catalog/errors.js';
import { sleep } from '../catalog/retry.js';
import { commanderService } from '../proto/services.js';
import { applyRunnerEvent, isTerminalState, jobFailed, outcomeFromState, type JobOutcome, type JobResult, type WireRunnerEvent } from './outcome.js';
import { grpcError, retryUnavailable, type CommanderStub, type UnaryName } from './status.js';

export interface JobClientOptions {
  /** `host:port` of Bauplan's job service (the API host, port 443). */
  target: string;
  tls: boolean;
  apiKey: string;
  /** Sent as `job_request_common.module_version`. */
  moduleVersion?: string;
  /** Deadline of each unary call (default 60 s). */
  deadlineMs?: number;
}

export interface WatchOptions {
  /** Aborting cancels the job on Bauplan and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Give up (and cancel the job) after this long: JOB_FAILED, retryable. */
  timeoutMs?: number;
  /** GetJobs polling interval once the event stream is lost (default 1 s). */
  pollMs?: number;
  onLog?: (line: string) => void;
}

/** A job as GetJobs reports it; `status` is a JOB_STATE value. */
export interface JobInfo {
  id: string;
  status: number;
  kind: string;
  error?: string;
}

interface SubmitResponse {
  job_response_common?: { job_id?: string } | null;
}
interface WireJobInfo {
  id?: string;
  status?: number;
  kind?: string;
  error_message?: string | null;
}

/** A thin, typed client for Bauplan's job service (gRPC). Never puts the API key in an error. */
export class JobClient {
  readonly #stub: CommanderStub;
  readonly #apiKey: string;
  readonly #moduleVersion: string;
  readonly #deadlineMs: number;
  #username: string | undefined;

  constructor(options: JobClientOptions) {
    const Client = makeGenericClientConstructor(commanderService(), 'V2CommanderService');
    const channel = options.tls ? credentials.createSsl() : credentials.createInsecure();
    // Keepalive pings find a connection that died under a quiet log stream (then watch falls back to
    // polling). Every 5 min: gRPC servers commonly refuse pings more frequent than that.
    this.#stub = new Client(options.target, channel, {
      'grpc.keepalive_time_ms': 300_000,
      'grpc.keepalive_timeout_ms': 20_000,
    }) as unknown as CommanderStub;
    this.#apiKey = options.apiKey;
    this.#moduleVersion = options.moduleVersion ?? '';
    this.#deadlineMs = options.deadlineMs ?? 60_000;
  }

  /** The caller's Bauplan username (GetBauplanInfo), cached after the first success. */
  async username(): Promise<string> {
    if (this.#username !== undefined) return this.#username;
    const info = await this.#unary<{ user?: string; user_info?: { username?: string } | null }>('GetBauplanInfo', {}, { retry: true });
    const name = info.user_info?.username || info.user || '';
    if (name === '') throw new FloodgateError('REMOTE_UNAUTHORIZED', 'Bauplan GetBauplanInfo returned no username for this API key');
    this.#username = name;
    return name;
  }

  /** Submits a query job; newer servers may answer with a result artifact instead of a Flight server. */
  async queryRun(input: { ref: string; sql: string; namespace?: string }): Promise<{ jobId: string; resultArtifact?: { artifactId: string } }> {
    const request = { job_request_common: this.#common(), ref: input.ref, sql_query: input.sql, cache: '', namespace: input.namespace };
    const response = await this.#unary<SubmitResponse & { result_artifact?: { artifact_id?: string } | null }>('QueryRun', request);
    const jobId = submittedJobId(response, 'QueryRun');
    const artifactId = response.result_artifact?.artifact_id ?? '';
    return artifactId === '' ? { jobId } : { jobId, resultArtifact: { artifactId } };
  }

  /** Submits a job that plans creating `table` from the files matching `searchString`; returns the job id. */
  async tableCreatePlan(input: { branch: string; table: string; namespace: string; searchString: string; replace: boolean }): Promise<string> {
    const request = {
      job_request_common: this.#common(),
      branch_name: input.branch,
      table_name: input.table,
      namespace: input.namespace,
      search_string: input.searchString,
      table_replace: input.replace,
    };
    return submittedJobId(await this.#unary<SubmitResponse>('TableCreatePlan', request), 'TableCreatePlan');
  }

  /** Submits a job that applies a plan from `tableCreatePlan`; returns the job id. */
  async tableCreatePlanApply(planYaml: string): Promise<string> {
    const request = { job_request_common: this.#common(), plan_yaml: planYaml };
    return submittedJobId(await this.#unary<SubmitResponse>('TableCreatePlanApply', request), 'TableCreatePlanApply');
  }

  /** Submits an import of the files matching `searchString` into an existing table; returns the job id. */
  async tableDataImport(input: {
    branch: string;
    table: string;
    namespace: string;
    searchString: string;
    importDuplicateFiles: boolean;
  }): Promise<string> {
    const request = {
      job_request_common: this.#common(),
      branch_name: input.branch,
      table_name: input.table,
      namespace: input.namespace,
      search_string: input.searchString,
      import_duplicate_files: input.importDuplicateFiles,
      best_effort: false,
      continue_on_error: false,
      preview: '',
    };
    return submittedJobId(await this.#unary<SubmitResponse>('TableDataImport', request), 'TableDataImport');
  }

  /**
   * Follows a job to its end over SubscribeLogs, falling back to polling GetJobs if the stream
   * ends or fails first. The result's outcome may be a failure: check it with `assertSucceeded`.
   */
  async watch(jobId: string, options: WatchOptions = {}): Promise<JobResult> {
    const { signal, timeoutMs, pollMs = 1000, onLog } = options;
    const stop = new AbortController();
    let timedOut = false;
    const onAbort = (): void => stop.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop.abort(new Error(`watching job ${jobId} timed out`));
          }, timeoutMs);
    const result: JobResult = { jobId, outcome: { kind: 'success' } };
    try {
      result.outcome = (await this.#follow(jobId, result, stop.signal, onLog)) ?? (await this.#poll(jobId, pollMs, stop.signal));
      return result;
    } catch (error) {
      if (!stop.signal.aborted) throw error;
      const cancelled = await this.cancel(jobId).then(
        () => 'cancelled it',
        (error: unknown) => `could not cancel it (${error instanceof Error ? error.message : String(error)})`,
      );
      if (timedOut) {
        throw jobFailed(jobId, 'watched', { kind: 'timeout', message: `no outcome within ${timeoutMs} ms; ${cancelled}`, retryable: true });
      }
      throw signal?.reason;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A job's current state (GetJobs). */
  async job(jobId: string, signal?: AbortSignal): Promise<JobInfo> {
    const response = await this.#unary<{ jobs?: WireJobInfo[] }>('GetJobs', { job_ids: [jobId] }, { retry: true, signal });
    const found = response.jobs?.find((job) => job.id === jobId);
    if (found === undefined) {
      throw new FloodgateError('JOB_FAILED', `Bauplan knows no job ${jobId}`, { details: { jobId, outcome: 'unknown', remoteMessage: '' } });
    }
    const info: JobInfo = { id: jobId, status: found.status ?? 0, kind: found.kind ?? '' };
    if (found.error_message) info.error = found.error_message;
    return info;
  }

  /** Cancels a job (CancelJob); throws unless Bauplan reports the cancellation succeeded. */
  async cancel(jobId: string): Promise<void> {
    const response = await this.#unary<{ status?: number; message?: string }>('CancelJob', { job_id: { id: jobId } }, { retry: true });
    if (response.status !== 1) {
      throw new FloodgateError('JOB_FAILED', `Bauplan did not cancel job ${jobId}: ${response.message || `status ${response.status ?? 0}`}`, {
        details: { jobId, cancelStatus: response.status ?? 0, remoteMessage: response.message ?? '' },
      });
    }
  }

  close(): void {
    this.#stub.close();
  }

  #common(): object {
    return { module_version: this.#moduleVersion, hostname: hostname(), args: {}, debug: 0 };
  }

  #metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.#apiKey}`);
    return metadata;
  }

  /** One unary call; `retry` (idempotent calls only) repeats it on UNAVAILABLE. */
  async #unary<T>(name: UnaryName, request: object, options: { retry?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    const { signal } = options;
    const once = (): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        signal?.throwIfAborted();
        const deadline = { deadline: Date.now() + this.#deadlineMs };
        const call = this.#stub[name](request, this.#metadata(), deadline, (error, response) => {
          signal?.removeEventListener('abort', onAbort);
          if (error !== null) reject(error);
          else resolve(response as T);
        });
        const onAbort = (): void => call.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    try {
      return await (options.retry === true ? retryUnavailable(once, { signal }) : once());
    } catch (error) {
      throw redactSecret(grpcError(error, name), this.#apiKey);
    }
  }

  /** Streams the job's events into `result`; resolves to its outcome, or undefined if the stream ended first. */
  #follow(jobId: string, result: JobResult, signal: AbortSignal, onLog?: (line: string) => void): Promise<JobOutcome | undefined> {
    return new Promise((resolve, reject) => {
      const call = this.#stub.SubscribeLogs({ job_id: jobId }, this.#metadata());
      let settled = false;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        finish();
        call.cancel();
      };
      const onAbort = (): void => settle(() => reject(signal.reason as Error));
      signal.addEventListener('abort', onAbort, { once: true });
      call.on('data', (message: { runner_event?: WireRunnerEvent | null }) => {
        const outcome = message.runner_event ? applyRunnerEvent(message.runner_event, result, onLog) : undefined;
        if (outcome !== undefined) settle(() => resolve(outcome));
      });
      call.on('error', () => settle(() => resolve(undefined)));
      call.on('end', () => settle(() => resolve(undefined)));
      if (signal.aborted) onAbort();
    });
  }

  async #poll(jobId: string, pollMs: number, signal: AbortSignal): Promise<JobOutcome> {
    for (;;) {
      const job = await this.job(jobId, signal);
      if (isTerminalState(job.status)) return outcomeFromState(job.status, job.error);
      await sleep(pollMs, signal);
    }
  }
}

function submittedJobId(response: SubmitResponse, what: string): string {
  const jobId = response.job_response_common?.job_id ?? '';
  if (jobId === '') throw new FloodgateError('INTERNAL', `Bauplan ${what} answered without a job id`);
  return jobId;
}
