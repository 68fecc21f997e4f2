export * from './data-source-options.js';
export * from './embedded-postgres.js';
export * from './database.module.js';
export * from './migrate.js';
export * from './provision.js';
export * from './tenancy-check.js';
export * from './tenant-database.service.js';
export * from './query-rows.js';
