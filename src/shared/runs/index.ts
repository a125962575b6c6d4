export { RunFlow } from './run-flow.js';
export type { RunEnd, StageStart } from './run-flow.js';
