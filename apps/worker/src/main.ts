import 'reflect-metadata';

import { readProcessConfig } from '@mend/config';

import { createWorkerApp } from './worker.bootstrap.js';

createWorkerApp(readProcessConfig()).catch((error: unknown) => {
  // Config and tenancy-check errors are written for operators; print them without a stack.
  const message =
    error instanceof Error && /Invalid configuration|Refusing to start|schema/i.test(error.message)
      ? error.message
      : error;
  console.error(message);
  process.exit(1);
});
