export { buildApi } from './app.js';
export { startApi } from './server.js';
export { HTTP_STATUS } from './errors.js';
export type { ApiErrorBody, ApiErrorCode } from './errors.js';
export type { ApiOptions, ApiProducer, RunningApi, StartApiOptions } from './options.js';
