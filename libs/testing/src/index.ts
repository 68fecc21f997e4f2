export * from './factories.js';
export * from './test-database.js';
export * from './suite-clock.js';
