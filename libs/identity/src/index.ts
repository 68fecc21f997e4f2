export * from './identity.module.js';
export * from './identity.views.js';
export * from './invitations.repository.js';
export * from './users.repository.js';
export * from './users.service.js';
export * from './profile.hooks.js';
export * from './invitation-email.handler.js';
export * from './clinic.service.js';
