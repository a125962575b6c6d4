/** prom-client behind the Metrics port, queue depth for the API, and the workers' metrics server. */
export { createPromMetrics } from './prom-metrics.js';
export { createRegistry } from './registry.js';
export type { RegistryOptions } from './registry.js';
export { registerQueueDepth, QUEUE_STATES } from './queue-depth.js';
export type { DepthQueue, QueueState, WaitingJob } from './queue-depth.js';
export { startMetricsServer } from './server.js';
export type { MetricsServer, MetricsServerOptions } from './server.js';
export { METRIC_NAMES, STAGE_DURATION_BUCKETS, LOCK_WAIT_BUCKETS } from './names.js';
export type { MetricName } from './names.js';
