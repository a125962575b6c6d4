/**
 * Floodgate's library for other services: enqueue ingestion runs into the fleet and follow them.
 *
 *   import { FloodgateProducer } from 'floodgate';
 *   const producer = new FloodgateProducer({ connection: process.env.REDIS_URL });
 *   const { runId } = await producer.enqueue({ table: 'taxi.trips', source: 's3://landing/trips/*.parquet' });
 *   const run = await producer.waitForRun(runId);
 */
export { FloodgateProducer, InvalidRequestError, enqueueIngestion, getRun, parseIngestionRequest, waitForRun } from './producers/library.js';
export type { EnqueueResult, ProducerOptions } from './producers/library.js';
export { ingestionRequestJsonSchema, ingestionRequestSchema } from './shared/jobs/index.js';
export type { IngestionRequest, IngestionRequestInput } from './shared/jobs/index.js';
export type { RunError, RunRecord, RunStatus, StatusChange } from './shared/ledger/index.js';
export { ERROR_CODES, FloodgateError, isFloodgateError } from './shared/errors/index.js';
export type { ErrorCode } from './shared/errors/index.js';

// The lakehouse and the audits, for services that run checks themselves.
export { loadConfig } from './shared/config/index.js';
export { openLakehouse } from './shared/lakehouse/open.js';
export type { Lakehouse } from './shared/lakehouse/lakehouse.js';
export { checksJsonSchema, contractsJsonSchema, loadChecksFile, loadContracts, parseChecks, renderMarkdown, runAudit } from './shared/audits/index.js';
export type { AuditReport, Check, CheckResult } from './shared/audits/index.js';
