import { auditProcessor } from './audit.js';
import type { FleetDeps, StageProcessor } from './context.js';
import { publishProcessor } from './publish.js';
import { writeProcessor } from './write.js';

export type { FleetDeps, FleetOptions, StageJob, StageOutcome, StageProcessor, StageQueue } from './context.js';
export { failedChecks } from './audit.js';
export { LeaseLostError } from './lease.js';

/** The three stage processors, over injected ports: testable with fake jobs. */
export function createProcessors(deps: FleetDeps): { write: StageProcessor; audit: StageProcessor; publish: StageProcessor } {
  return { write: writeProcessor(deps), audit: auditProcessor(deps), publish: publishProcessor(deps) };
}
