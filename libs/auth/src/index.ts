export * from './access.decorators.js';
export * from './access.guard.js';
export * from './api-keys.service.js';
export * from './auth.module.js';
export * from './auth.service.js';
export * from './password.hasher.js';
export * from './rate-limit.service.js';
export * from './token.service.js';
