export * from './session.views.js';
export * from './sessions.module.js';
export * from './sessions.repository.js';
export * from './sessions.service.js';
export * from './session-changes.js';
