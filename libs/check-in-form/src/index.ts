export * from './messages.js';
export * from './form.js';
