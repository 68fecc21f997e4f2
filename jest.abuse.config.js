/**
 * `npm run test:abuse`: the abuse suite (test/abuse/*.abuse-spec.ts) — a sweep generated from the
 * OpenAPI document, forged tokens, mass assignment and property-based fuzzing. Kept out of
 * `npm test` (it sends tens of thousands of requests); same transform, module map and test
 * database setup as the e2e project.
 */
import base from './jest.config.js';

const e2e = base.projects.find((project) => project.displayName === 'e2e');

export default {
  ...e2e,
  displayName: 'abuse',
  testMatch: ['<rootDir>/test/abuse/**/*.abuse-spec.ts'],
  testTimeout: 600000,
};
