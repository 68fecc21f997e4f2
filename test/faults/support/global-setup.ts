/**
 * Starts test-output/faults.json afresh, so it holds the figures of this run only. Only Node
 * built-ins here: jest loads this file outside the module mapper.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export default function globalSetup(): void {
  mkdirSync(resolve('test-output'), { recursive: true });
  writeFileSync(
    resolve('test-output/faults.json'),
    `${JSON.stringify({ startedAt: new Date().toISOString(), scenarios: {} }, null, 2)}\n`,
  );
}
