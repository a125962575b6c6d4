export { loadConfig, parseByteSize } from './config.js';
export type { ApiSettings, Config, FleetSettings, LakehouseConfig, LoadConfigOptions, S3Config } from './config.js';
