export * from './domain.exception.js';
export * from './id.js';
export * from './pagination.js';
export * from './logging.js';
export * from './principal.js';
export * from './secret-token.js';
export * from './time-zone.js';
export * from './clock.js';
