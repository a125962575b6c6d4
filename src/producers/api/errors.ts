import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FloodgateError, type ErrorCode } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/observability/ports.js';
import { isConnectionError, redisUnavailable, type ApiRedis } from './redis.js';

/** Codes the HTTP layer adds to the error catalogue (docs/errors.md). */
export type ApiErrorCode = ErrorCode | 'UNAUTHORIZED' | 'NOT_FOUND' | 'UNSUPPORTED_MEDIA_TYPE' | 'PAYLOAD_TOO_LARGE';

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    readonly retryable: boolean;
    readonly issues?: readonly Issue[];
    /** On 500s: the id to look for in the server log. */
    readonly requestId?: string;
  };
}

/** Every error code's HTTP status. A new code must take a side here (the compiler says so). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  INVALID_INPUT: 400,
  INVALID_NAME: 400,
  SOURCE_NOT_ALLOWED: 400,
  SOURCE_NOT_FOUND: 400,
  SOURCE_CHANGED: 409,
  SOURCE_UNREADABLE: 400,
  UNSUPPORTED_TYPE: 400,
  SCHEMA_MISMATCH: 400,
  CHECKS_INVALID: 400,
  QUERY_NOT_ALLOWED: 400,
  QUERY_FAILED: 400,
  REF_NOT_FOUND: 404,
  HISTORY_EXPIRED: 410,
  TABLE_NOT_FOUND: 404,
  REF_EXISTS: 409,
  REF_PROTECTED: 409,
  REF_CHANGED: 409,
  TABLE_CHANGED: 409,
  MERGE_CONFLICT: 409,
  AUDIT_FAILED: 409,
  CATALOG_BUSY: 503,
  CATALOG_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  STORAGE_UNAVAILABLE: 503,
  LEASE_LOST: 503,
  TABLE_EXISTS: 409,
  REMOTE_UNAUTHORIZED: 502,
  REMOTE_FORBIDDEN: 403,
  RATE_LIMITED: 503,
  JOB_FAILED: 502,
  CONFIG_INVALID: 500,
  WAIT_TIMEOUT: 504,
  INTERNAL: 500,
});

/** The table's status, except that a retryable error the table calls a bug is an outage (503). */
export function httpStatusFor(error: FloodgateError): number {
  const status = HTTP_STATUS[error.code];
  return status >= 500 && error.retryable ? 503 : status;
}

const FRAMEWORK_CODES: Readonly<Record<number, ApiErrorCode>> = { 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' };

export function errorBody(
  code: ApiErrorCode,
  message: string,
  extra: { retryable?: boolean; issues?: readonly Issue[]; requestId?: string } = {},
): ApiErrorBody {
  return {
    error: {
      code,
      message,
      retryable: extra.retryable ?? false,
      ...(extra.issues === undefined ? {} : { issues: extra.issues }),
      ...(extra.requestId === undefined ? {} : { requestId: extra.requestId }),
    },
  };
}

function issuesOf(error: FloodgateError): readonly Issue[] | undefined {
  const issues = error.details['issues'];
  return Array.isArray(issues) ? (issues as Issue[]) : undefined;
}

function isClientFrameworkError(error: unknown): error is FastifyError & { statusCode: number } {
  const e = error as Partial<FastifyError>;
  return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_');
}

/** Sends any error as `{error: {code, message, retryable, ...}}`; 500s get a generic message and the stack stays in the log. */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply, deps: { logger: Logger; redis: ApiRedis }): FastifyReply {
  const fields = { reqId: request.id, method: request.method, route: request.routeOptions.url };
  if (isClientFrameworkError(error)) {
    const code = FRAMEWORK_CODES[error.statusCode] ?? 'INVALID_INPUT';
    deps.logger.debug({ ...fields, code, status: error.statusCode }, error.message);
    return reply.code(error.statusCode).send(errorBody(code, error.message));
  }
  const known = error instanceof FloodgateError ? error : deps.redis.status !== 'ready' || isConnectionError(error) ? redisUnavailable(error) : undefined;
  if (known !== undefined && httpStatusFor(known) !== 500) {
    const status = httpStatusFor(known);
    if (status === 503) {
      deps.logger.warn({ ...fields, code: known.code, cause: known.cause instanceof Error ? known.cause.message : undefined }, known.message);
      reply.header('retry-after', '1');
    } else {
      deps.logger.debug({ ...fields, code: known.code, status }, known.message);
    }
    const issues = issuesOf(known);
    return reply.code(status).send(errorBody(known.code, known.message, { retryable: known.retryable, ...(issues === undefined ? {} : { issues }) }));
  }
  deps.logger.error({ ...fields, code: known?.code ?? 'INTERNAL', err: error }, 'request failed');
  return reply.code(500).send(errorBody('INTERNAL', 'internal error; the server log has the details', { requestId: request.id }));
}

/** One error shape for every route, including unknown routes. */
export function installErrorHandling(app: FastifyInstance, deps: { logger: Logger; redis: ApiRedis }): void {
  app.setErrorHandler((error, request, reply) => replyWithError(error, request, reply, deps));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}
