import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../shared/observability/ports.js';

const QUIET = /^\/(healthz|readyz|metrics)$|^\/ui\/queues\/static\//;

/** The path without its query string: a `?token=` never reaches the log, nor does any header. */
export function pathOf(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : url.slice(0, at);
}

/** One line per request through the Logger port; probes, metrics and UI assets at debug. */
export function installRequestLog(app: FastifyInstance, logger: Logger): void {
  app.addHook('onResponse', async (request, reply) => {
    const path = pathOf(request.url);
    const fields = { reqId: request.id, method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (QUIET.test(path)) logger.debug(fields, 'request');
    else logger.info(fields, 'request');
  });
}
