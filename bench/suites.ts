import type { Suite } from './suite.js';

/**
 * Every suite `bench/run.ts` knows. Each one lives in its own folder and is loaded only when
 * asked for; to add one (e.g. `audits`), add `bench/audits/suite.ts` exporting a Suite and list it here.
 */
export const SUITES: Readonly<Record<string, () => Promise<Suite>>> = {
  lakehouse: async () => (await import('./lakehouse/suite.js')).lakehouseSuite,
  audits: async () => (await import('./audits/suite.js')).auditsSuite,
  fleet: async () => (await import('./fleet/suite.js')).fleetSuite,
  history: async () => (await import('./history/suite.js')).historySuite,
};
