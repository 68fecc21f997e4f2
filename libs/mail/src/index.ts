export * from './console.transport.js';
export * from './mail.errors.js';
export * from './mail.module.js';
export * from './mailer.service.js';
