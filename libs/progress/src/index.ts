export * from './caseloads.service.js';
export * from './progress.chart.js';
export * from './progress.compute.js';
export * from './progress.module.js';
export * from './progress.service.js';
export * from './progress.views.js';
export type { AlertStatus } from './progress.repository.js';
export * from './safety-settings.js';
export * from './safety.service.js';
