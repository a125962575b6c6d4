import { pino, type Logger as Pino } from 'pino';
import type { Logger } from './ports.js';

/** Keys whose values never reach a log line. */
export const REDACTED_PATHS = [
  'token',
  'password',
  'apiKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.token',
  '*.password',
  '*.apiKey',
  '*.authorization',
  'redisUrl',
];

function adapt(logger: Pino): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    child: (bindings) => adapt(logger.child(bindings)),
  };
}

/** pino JSON lines on stderr, with secrets redacted. */
export function createLogger(options: { level?: string; bindings?: Record<string, unknown> } = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid, ...options.bindings },
    },
    pino.destination({ fd: 2, sync: false }),
  );
  return adapt(logger);
}
