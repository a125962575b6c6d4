import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { createLogger } from './logger.js';
import { createPromMetrics, createRegistry } from './metrics/index.js';
import { noopEvents, type EventSink, type Logger, type Metrics } from './ports.js';
import { createPrefectSink } from './prefect/index.js';

/** The observability of one process: pino, prom-client, and Prefect when PREFECT_API_URL is set. */
export interface ProcessObservability {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: Metrics;
  readonly events: EventSink;
  /** Delivers what Prefect still has buffered (bounded), then stops. */
  close(timeoutMs: number): Promise<void>;
}

export function createObservability(config: Config, service: string, options: { pretty?: boolean } = {}): ProcessObservability {
  const logger = createLogger({ level: config.observability.logLevel, bindings: { service }, ...options });
  const registry = createRegistry({ defaultLabels: { service } });
  const metrics = createPromMetrics(registry);
  const prefect = config.observability.prefect;
  const sink =
    prefect === undefined
      ? undefined
      : createPrefectSink({
          apiUrl: prefect.apiUrl,
          ...(prefect.apiKey === undefined ? {} : { apiKey: prefect.apiKey }),
          ...(prefect.authString === undefined ? {} : { authString: prefect.authString }),
          logger: logger.child({ component: 'prefect' }),
          metrics,
        });
  return {
    logger,
    registry,
    metrics,
    events: sink ?? noopEvents,
    close: async (timeoutMs) => {
      await sink?.close(timeoutMs);
    },
  };
}

/** Pretty logs for people: when stderr is a terminal and FLOODGATE_LOG_FORMAT is not `json`. */
export function prettyLogs(config: Config): boolean {
  return config.observability.logFormat === 'pretty' || (config.observability.logFormat === 'auto' && process.stderr.isTTY === true);
}
