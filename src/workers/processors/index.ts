import { auditProcessor } from './audit.js';
import type { FleetDeps, StageJob, StageProcessor } from './context.js';
import { publishProcessor } from './publish.js';
import { writeProcessor } from './write.js';

export type { FleetDeps, FleetOptions, StageJob, StageOutcome, StageProcessor, StageQueue } from './context.js';
export { failedChecks } from './audit.js';
export { LeaseLostError } from './lease.js';

/** Gives each job a logger bound to its run, table, stage and attempt, so every line carries them. */
function withJobLogger(deps: FleetDeps, stage: string, make: (deps: FleetDeps) => StageProcessor): StageProcessor {
  return (job: StageJob, token?: string, signal?: AbortSignal) => {
    const logger = deps.logger.child({ runId: job.data.runId, table: job.data.table, stage, attempt: job.attemptsMade + 1 });
    return make({ ...deps, logger })(job, token, signal);
  };
}

/** The three stage processors, over injected ports: testable with fake jobs. */
export function createProcessors(deps: FleetDeps): { write: StageProcessor; audit: StageProcessor; publish: StageProcessor } {
  return {
    write: withJobLogger(deps, 'write', writeProcessor),
    audit: withJobLogger(deps, 'audit', auditProcessor),
    publish: withJobLogger(deps, 'publish', publishProcessor),
  };
}
