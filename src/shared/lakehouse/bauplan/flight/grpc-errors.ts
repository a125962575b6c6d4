import { status } from '@grpc/grpc-js';
import { FloodgateError } from '../../../errors/index.js';
import { CatalogUnavailableError, QueryFailedError } from '../../errors.js';

/**
 * Turns a failed Flight call into a FloodgateError. UNAUTHENTICATED means the result token was
 * refused; UNAVAILABLE and DEADLINE_EXCEEDED may pass if retried; anything else is a failed
 * query. The token never appears in the message, and the raw gRPC error (whose metadata comes
 * from the server) is not kept as the cause.
 */
export function flightCallError(error: unknown, call: string, token: string): FloodgateError {
  if (error instanceof FloodgateError) return error;
  const code = grpcCode(error);
  const detail = redact(error instanceof Error ? error.message : String(error), token);
  const details = { call, grpcCode: code === undefined ? null : (status[code] ?? code) };
  if (code === status.UNAUTHENTICATED) {
    return new FloodgateError('REMOTE_UNAUTHORIZED', `Bauplan's result server refused the token on ${call}: ${detail}`, { details });
  }
  if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED) {
    const failure = new CatalogUnavailableError(`Bauplan's result server is unreachable on ${call}: ${detail}`);
    Object.assign(failure.details, details);
    return failure;
  }
  const failure = new QueryFailedError(`reading the query result failed on ${call}: ${detail}`);
  Object.assign(failure.details, details);
  return failure;
}

function grpcCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function redact(text: string, token: string): string {
  return token === '' ? text : text.split(token).join('[redacted]');
}
