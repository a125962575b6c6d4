import { Registry, collectDefaultMetrics } from 'prom-client';

export interface RegistryOptions {
  /** Labels on every series of this registry, e.g. `{ service: 'floodgate-worker' }`. Keep them bounded. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

/**
 * prom-client's gauges that end in `_total`, which Prometheus reserves for counters (promtool
 * check metrics flags them). Each is the sum of its per-type gauge without the suffix
 * (`nodejs_active_handles{type}`...), so nothing is lost by leaving them out.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

/** A registry of its own (never prom-client's global one) with Node's default process metrics. */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}
