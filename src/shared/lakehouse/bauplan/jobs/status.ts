import {
  status as Status,
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import { FloodgateError, type ErrorCode } from '../../../errors/index.js';
import { backoffMs, sleep } from '../catalog/retry.js';
import type { WireRunnerEvent } from './outcome.js';

// The gRPC plumbing of the job client: its typed stub, error mapping and retries.

/** The unary RPCs of V2CommanderService that Floodgate calls. */
export type UnaryName = 'GetJobs' | 'GetBauplanInfo' | 'CancelJob' | 'QueryRun' | 'TableCreatePlan' | 'TableCreatePlanApply' | 'TableDataImport';
type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: unknown) => void,
) => ClientUnaryCall;

/** The subset of the generated grpc-js client that JobClient calls. */
export type CommanderStub = Record<UnaryName, UnaryMethod> & {
  SubscribeLogs(request: object, metadata: Metadata): ClientReadableStream<{ runner_event?: WireRunnerEvent | null }>;
  close(): void;
};

/** The fields of a grpc-js ServiceError that Floodgate reads. */
interface GrpcFailure {
  code: number;
  details?: string;
}

function isGrpcFailure(error: unknown): error is GrpcFailure {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
}

const MAPPING: Partial<Record<number, { code: ErrorCode; retryable: boolean }>> = {
  [Status.UNAUTHENTICATED]: { code: 'REMOTE_UNAUTHORIZED', retryable: false },
  [Status.PERMISSION_DENIED]: { code: 'REMOTE_FORBIDDEN', retryable: false },
  [Status.INVALID_ARGUMENT]: { code: 'INVALID_INPUT', retryable: false },
  [Status.FAILED_PRECONDITION]: { code: 'INVALID_INPUT', retryable: false },
  [Status.ALREADY_EXISTS]: { code: 'INVALID_INPUT', retryable: false },
  [Status.OUT_OF_RANGE]: { code: 'INVALID_INPUT', retryable: false },
  [Status.NOT_FOUND]: { code: 'REF_NOT_FOUND', retryable: false },
  [Status.RESOURCE_EXHAUSTED]: { code: 'RATE_LIMITED', retryable: true },
  [Status.UNAVAILABLE]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
  [Status.DEADLINE_EXCEEDED]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
  [Status.INTERNAL]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
  [Status.UNKNOWN]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
  [Status.ABORTED]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
  [Status.CANCELLED]: { code: 'CATALOG_UNAVAILABLE', retryable: true },
};

/**
 * Maps an error from a gRPC call to Bauplan's job service to a FloodgateError. `what` names the
 * call (e.g. `TableDataImport`). The gRPC status stays in `details.grpcCode` / `details.grpcStatus`.
 */
export function grpcError(error: unknown, what: string): FloodgateError {
  if (error instanceof FloodgateError) return error;
  if (!isGrpcFailure(error)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new FloodgateError('INTERNAL', `Bauplan ${what} failed: ${reason}`, { cause: error });
  }
  const grpcStatus = Status[error.code] ?? String(error.code);
  const mapped = MAPPING[error.code] ?? { code: 'INTERNAL', retryable: false };
  const reason = error.details ? `: ${error.details}` : '';
  const hint = mapped.code === 'REMOTE_UNAUTHORIZED' ? ' (check BAUPLAN_API_KEY)' : '';
  return new FloodgateError(mapped.code, `Bauplan ${what} failed with ${grpcStatus}${reason}${hint}`, {
    retryable: mapped.retryable,
    cause: error,
    details: { grpcCode: error.code, grpcStatus, remoteMessage: error.details ?? '' },
  });
}

/** How many times an idempotent unary call is repeated after UNAVAILABLE. */
export const UNARY_RETRIES = 3;

/**
 * Runs an idempotent unary call, repeating it up to `UNARY_RETRIES` times while the server answers
 * UNAVAILABLE. Only for reads and cancellation; never for job submissions.
 */
export async function retryUnavailable<T>(call: () => Promise<T>, options: { baseMs?: number; signal?: AbortSignal } = {}): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await call();
    } catch (error) {
      if (retry >= UNARY_RETRIES || !isGrpcFailure(error) || error.code !== Status.UNAVAILABLE) throw error;
      if (options.signal?.aborted) throw error;
    }
    await sleep(backoffMs(retry, options.baseMs ?? 200), options.signal);
  }
}
