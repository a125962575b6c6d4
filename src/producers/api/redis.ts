import type { Redis } from 'ioredis';
import { redisUnavailable } from '../../shared/redis/errors.js';

export { isConnectionError, redisUnavailable } from '../../shared/redis/errors.js';

/** The part of an ioredis client the API's health checks use. */
export type ApiRedis = Pick<Redis, 'status' | 'ping' | 'once' | 'off'>;

/** True once the client is connected, waiting up to `ms` for a connection in progress. */
export async function waitForRedis(redis: ApiRedis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  if (redis.status === 'end' || redis.status === 'close') return false;
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, ms);
    redis.once('ready', onReady);
  });
}

/** True when Redis answers PING within `ms`. */
export async function pingRedis(redis: ApiRedis, ms: number): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const pong = redis.ping().then(
    (reply) => reply === 'PONG',
    () => false,
  );
  try {
    return await Promise.race([pong, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a request waits for a connection in progress before it answers 503. */
export const REDIS_WAIT_MS = 1000;

/** Throws a retryable REDIS_UNAVAILABLE unless Redis is connected (or connects within REDIS_WAIT_MS). */
export async function requireRedis(redis: ApiRedis): Promise<void> {
  if (!(await waitForRedis(redis, REDIS_WAIT_MS))) throw redisUnavailable();
}

