/** A real worker process for tests that kill it: its environment comes as JSON in MEND_TEST_ENV. */
import 'reflect-metadata';

import { loadConfig } from '@mend/config';

import { createWorkerApp } from '../../apps/worker/src/worker.bootstrap.js';

const env = JSON.parse(process.env.MEND_TEST_ENV ?? '{}') as Record<string, string | undefined>;
await createWorkerApp(loadConfig(env));
process.send?.('ready');
