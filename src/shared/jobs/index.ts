export { ingestionRequestJsonSchema, ingestionRequestSchema } from './request.js';
export type { IngestionRequest, IngestionRequestInput } from './request.js';
export { deriveRunId, runBranch } from './run-id.js';
export { QUEUE_NAMES, STAGES, stageJobId } from './queues.js';
export type { StageJobData } from './queues.js';
