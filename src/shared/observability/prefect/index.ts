/**
 * Prefect for the fleet: an EventSink that turns WAP run events into Prefect events, flow and
 * task runs, logs and audit artifacts, over Prefect 3's REST API (server or Cloud).
 */
export { createPrefectSink } from './sink.js';
export type { PrefectSink, PrefectSinkOptions } from './sink.js';
export type { FetchLike, FetchInitLike, FetchResponseLike } from './client.js';
export { auditArtifactKeys } from './artifacts.js';
export { stableUuid } from './ids.js';
export { FLOW_NAME } from './runs.js';
