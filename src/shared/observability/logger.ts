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

/**
 * pino JSON lines on stderr, with secrets redacted. With `pretty` (the entry points pass true
 * when stderr is a terminal outside production), lines are formatted for people instead.
 */
export function createLogger(options: { level?: string; bindings?: Record<string, unknown>; pretty?: boolean } = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { pid: process.pid, ...options.bindings },
  };
  const logger =
    options.pretty === true
      ? pino({ ...settings, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } })
      : pino(settings, pino.destination({ fd: 2, sync: false }));
  return adapt(logger);
}
