export { loadConfig, parseByteSize } from './config.js';
export type { ApiSettings, Config, FleetSettings, ObservabilitySettings, LakehouseConfig, LoadConfigOptions, S3Config } from './config.js';
