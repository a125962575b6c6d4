import { FloodgateError } from '../../../errors/index.js';
import { JOB_FAILURE_CODE, JOB_STATE } from '../proto/commander.js';

/** How a Bauplan job ended. Anything but `success` carries Bauplan's message and whether a rerun may help. */
export type JobOutcome =
  | { kind: 'success' }
  | {
      kind: 'failure' | 'cancellation' | 'timeout' | 'rejected' | 'heartbeat_failure';
      message: string;
      retryable: boolean;
    };

/** The Arrow Flight server a query job announced for its results. */
export interface FlightInfo {
  endpoint: string;
  magicToken: string;
  useTls: boolean;
  numRows: number;
}

/** What a table-create plan job produced. */
export interface PlanInfo {
  yaml: string;
  success: boolean;
  error: string;
  canAutoApply: boolean;
  files: string[];
}

/** Everything `JobClient.watch` learned about a job. */
export interface JobResult {
  jobId: string;
  outcome: JobOutcome;
  flight?: FlightInfo;
  plan?: PlanInfo;
  planApplied?: { success: boolean; error: string };
}

/** The JobCompleteEvent message as services.ts decodes it (outcome oneof named). */
export interface WireJobCompletion {
  outcome?: string;
  success?: { msg?: string } | null;
  failure?: { error_message?: string; error_code?: number } | null;
  cancellation?: { reason?: string } | null;
  timeout?: { msg?: string } | null;
  rejected?: { reason?: string } | null;
  heartbeat_failure?: object | null;
}

/** Reads the outcome of a `job_completion` runner event. */
export function outcomeFromCompletion(event: WireJobCompletion): JobOutcome {
  switch (event.outcome) {
    case 'success':
      return { kind: 'success' };
    case 'failure': {
      const code = event.failure?.error_code ?? JOB_FAILURE_CODE.unspecified;
      return { kind: 'failure', message: event.failure?.error_message || 'job failed', retryable: code === JOB_FAILURE_CODE.internalError };
    }
    case 'cancellation':
      return { kind: 'cancellation', message: event.cancellation?.reason || 'job was cancelled', retryable: false };
    case 'timeout':
      return { kind: 'timeout', message: event.timeout?.msg || 'job hit the server timeout', retryable: true };
    case 'rejected':
      return { kind: 'rejected', message: event.rejected?.reason || 'job was rejected', retryable: false };
    case 'heartbeat_failure':
      return { kind: 'heartbeat_failure', message: 'job runner stopped sending heartbeats', retryable: true };
    default:
      return { kind: 'failure', message: 'job completed without an outcome', retryable: false };
  }
}

/** The terminal job states: complete, abort, fail, other. */
export function isTerminalState(status: number): boolean {
  return status === JOB_STATE.complete || status === JOB_STATE.abort || status === JOB_STATE.fail || status === JOB_STATE.other;
}

/** Reads the outcome of a terminal JobInfo.status (when the event stream was lost). */
export function outcomeFromState(status: number, errorMessage: string | undefined): JobOutcome {
  const message = errorMessage ?? '';
  if (status === JOB_STATE.complete) return { kind: 'success' };
  if (status === JOB_STATE.abort) return { kind: 'cancellation', message: message || 'job was aborted', retryable: false };
  // Without the failure's error code we cannot tell a user error from an internal one.
  return { kind: 'failure', message: message || `job ended in state ${status}`, retryable: false };
}

/** The error for a job that did not succeed: code JOB_FAILED, retryable as its outcome says. */
export function jobFailed(jobId: string, what: string, outcome: JobOutcome): FloodgateError {
  const remoteMessage = outcome.kind === 'success' ? '' : outcome.message;
  const retryable = outcome.kind === 'success' ? false : outcome.retryable;
  return new FloodgateError('JOB_FAILED', `Bauplan ${what} job ${jobId} ended with ${outcome.kind}: ${remoteMessage}`, {
    retryable,
    details: { jobId, outcome: outcome.kind, remoteMessage },
  });
}

/**
 * Throws `jobFailed` unless the job succeeded, including a plan (or plan apply) the job reported
 * as unsuccessful: a failed job must never pass silently.
 */
export function assertSucceeded(result: JobResult, what: string): void {
  if (result.outcome.kind !== 'success') throw jobFailed(result.jobId, what, result.outcome);
  const step = result.plan?.success === false ? result.plan : result.planApplied?.success === false ? result.planApplied : undefined;
  if (step !== undefined) {
    throw jobFailed(result.jobId, what, { kind: 'failure', message: step.error || 'the plan step reported failure', retryable: false });
  }
}

/** A RunnerEvent as services.ts decodes it: the `event` oneof names the member that is set. */
export interface WireRunnerEvent {
  event?: string;
  job_completion?: WireJobCompletion | null;
  runtime_user_log?: { msg?: string } | null;
  flight_server_start?: { endpoint?: string; magic_token?: string; use_tls?: boolean; num_rows?: number } | null;
  table_create_plan_done_event?: {
    plan_as_yaml?: string;
    success?: boolean;
    error_message?: string;
    can_auto_apply?: boolean;
    files_to_be_imported?: string[];
  } | null;
  table_create_plan_apply_done_event?: { success?: boolean; error_message?: string } | null;
}

/**
 * Folds one runner event into `result` (flight server, plan, plan apply), passes user log lines
 * to `onLog`, and returns the outcome when the event is the job's completion.
 */
export function applyRunnerEvent(event: WireRunnerEvent, result: JobResult, onLog?: (line: string) => void): JobOutcome | undefined {
  switch (event.event) {
    case 'job_completion':
      return outcomeFromCompletion(event.job_completion ?? {});
    case 'runtime_user_log':
      try {
        onLog?.(event.runtime_user_log?.msg ?? '');
      } catch {
        // A failing log sink must not break watching the job.
      }
      return undefined;
    case 'flight_server_start': {
      const flight = event.flight_server_start ?? {};
      result.flight = {
        endpoint: flight.endpoint ?? '',
        magicToken: flight.magic_token ?? '',
        useTls: flight.use_tls ?? false,
        numRows: flight.num_rows ?? 0,
      };
      return undefined;
    }
    case 'table_create_plan_done_event': {
      const plan = event.table_create_plan_done_event ?? {};
      result.plan = {
        yaml: plan.plan_as_yaml ?? '',
        success: plan.success ?? false,
        error: plan.error_message ?? '',
        canAutoApply: plan.can_auto_apply ?? false,
        files: plan.files_to_be_imported ?? [],
      };
      return undefined;
    }
    case 'table_create_plan_apply_done_event': {
      const applied = event.table_create_plan_apply_done_event ?? {};
      result.planApplied = { success: applied.success ?? false, error: applied.error_message ?? '' };
      return undefined;
    }
    default:
      return undefined;
  }
}
