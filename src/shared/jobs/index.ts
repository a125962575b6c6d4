export { ingestionRequestJsonSchema, ingestionRequestSchema } from './request.js';
export type { IngestionRequest, IngestionRequestInput } from './request.js';
export { deriveRunId, runBranch } from './run-id.js';
export { QUEUE_NAMES, STAGES, stageJobId, stageJobOptions } from './queues.js';
export type { StageJobData, StageJobPolicy } from './queues.js';
