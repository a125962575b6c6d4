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

/**
 * The fields of one line without those a child logger already binds to the same value: pino
 * would write the key twice (`"runId":"r-1",...,"runId":"r-1"`), which log parsers mishandle.
 */
function unbound(fields: Record<string, unknown>, bound: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const keys = Object.keys(fields);
  if (!keys.some((key) => key in bound && bound[key] === fields[key])) return fields;
  return Object.fromEntries(keys.filter((key) => !(key in bound && bound[key] === fields[key])).map((key) => [key, fields[key]]));
}

function adapt(logger: Pino, bound: Readonly<Record<string, unknown>> = {}): Logger {
  return {
    debug: (fields, message) => logger.debug(unbound(fields, bound), message),
    info: (fields, message) => logger.info(unbound(fields, bound), message),
    warn: (fields, message) => logger.warn(unbound(fields, bound), message),
    error: (fields, message) => logger.error(unbound(fields, bound), message),
    child: (bindings) => adapt(logger.child(bindings), { ...bound, ...bindings }),
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
