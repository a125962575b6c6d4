export { loadConfig, parseByteSize } from './config.js';
export type { ApiSettings, BauplanSettings, Config, FleetSettings, ObservabilitySettings, LakehouseConfig, LoadConfigOptions, S3Config } from './config.js';
