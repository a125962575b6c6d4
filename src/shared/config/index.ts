export { loadConfig, parseByteSize } from './config.js';
export type { Config, LakehouseConfig, LoadConfigOptions, S3Config } from './config.js';
