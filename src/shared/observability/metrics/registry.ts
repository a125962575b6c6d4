import { Registry, collectDefaultMetrics } from 'prom-client';

export interface RegistryOptions {
  /** Labels on every series of this registry, e.g. `{ service: 'floodgate-worker' }`. Keep them bounded. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
}

/** A registry of its own (never prom-client's global one) with Node's default process metrics. */
export function createRegistry(options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels({ ...options.defaultLabels });
  collectDefaultMetrics({ register: registry });
  return registry;
}
