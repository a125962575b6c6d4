import { FloodgateError } from '../errors/index.js';

/** Redis could not be reached or did not answer in time: retryable. */
export function redisUnavailable(cause?: unknown): FloodgateError {
  return new FloodgateError('REDIS_UNAVAILABLE', 'Redis is unreachable; retry later', { retryable: true, cause });
}

const CONNECTION_FAILURE = /Stream isn't writeable|Connection is closed|Command timed out|Reached the max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND/;

/** Whether a foreign error says the Redis connection failed (ioredis has no error classes for it). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as { code?: unknown }).code;
  return CONNECTION_FAILURE.test(error.message) || (typeof code === 'string' && CONNECTION_FAILURE.test(code));
}
