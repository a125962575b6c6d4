export { ERROR_CODES, FloodgateError, isFloodgateError, toFloodgateError } from './errors.js';
export type { ErrorCode, FloodgateErrorOptions } from './errors.js';
