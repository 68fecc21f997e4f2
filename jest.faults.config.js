/**
 * `npm run test:faults`: the fault suite (test/faults/*.fault-spec.ts) — real API and worker
 * processes on private PostgreSQL and Redis servers that the specs kill and restart. Kept out of
 * `npm test` (minutes of outages); same transform and module map as the e2e project, but its
 * own servers instead of the e2e global setup. One file at a time: each starts a whole stack.
 */
import base from './jest.config.js';

const e2e = base.projects.find((project) => project.displayName === 'e2e');
const { globalSetup, globalTeardown, ...common } = e2e;

export default {
  ...common,
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
  maxWorkers: 1,
  testTimeout: 300000,
};
