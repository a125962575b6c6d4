import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for a role. Workers wait for Redis forever (BullMQ requires
 * `maxRetriesPerRequest: null`); producers fail fast so a caller hears about an outage at once,
 * also when Redis stops answering on an open connection (a command waits at most 5 s).
 * `rediss://` URLs use TLS; user and password come from the URL.
 */
export function connectRedis(url: string, role: 'worker' | 'producer'): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 2, enableOfflineQueue: false, connectTimeout: 5000, commandTimeout: 5000 };
  return new Redis(url, { lazyConnect: false, ...options });
}

/** The URL without its password (in the user info or a `password` parameter), for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'redis://(unparseable)';
  }
}
