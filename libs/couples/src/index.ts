export * from './couple-access.js';
export * from './couple-records.service.js';
export * from './couples.module.js';
export * from './couples.service.js';
export * from './couples.repository.js';
export * from './couple-schedule.hooks.js';
