/**
 * bench/round-trip-counter: preloaded into a worker process by `bench:reminders --profile`
 * (`node --import dist/bench/round-trip-counter.js …`). Counts every SQL statement the process
 * sends (node-postgres `Client.query`, which TypeORM and BullMQ's PostgreSQL backend both use)
 * and every Redis command (ioredis `sendCommand`, which BullMQ uses), with the time each took
 * from call to answer, and writes the tally to `MEND_ROUND_TRIPS_FILE` when the process exits.
 * Bench tooling only: the application never loads it.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { Redis } from 'ioredis';
import pg from 'pg';

interface Tally {
  count: number;
  ms: number;
}

const statements = new Map<string, Tally>();
const commands = new Map<string, Tally>();

function add(map: Map<string, Tally>, key: string, ms: number): void {
  const t = map.get(key) ?? { count: 0, ms: 0 };
  t.count += 1;
  t.ms += ms;
  map.set(key, t);
}

/** The statement's shape: whitespace collapsed, cut short (literal values are parameters already). */
function shape(text: unknown): string {
  const sql = typeof text === 'string' ? text : ((text as { text?: string } | null)?.text ?? String(text));
  return sql.replace(/\s+/g, ' ').trim().slice(0, 140);
}

const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]): unknown {
  const key = shape(args[0]);
  const started = performance.now();
  const callbackAt = args.findIndex((a) => typeof a === 'function');
  if (callbackAt >= 0) {
    const callback = args[callbackAt] as (...r: unknown[]) => void;
    args[callbackAt] = (...r: unknown[]) => {
      add(statements, key, performance.now() - started);
      callback(...r);
    };
    return originalQuery.apply(this, args);
  }
  const result = originalQuery.apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === 'function')
    (result as Promise<unknown>).then(
      () => add(statements, key, performance.now() - started),
      () => add(statements, key, performance.now() - started),
    );
  return result;
} as typeof pg.Client.prototype.query;

const redisPrototype = Redis.prototype as unknown as { sendCommand: (command: unknown, ...rest: unknown[]) => unknown };
const originalSend = redisPrototype.sendCommand;
redisPrototype.sendCommand = function countedSend(this: unknown, command: unknown, ...rest: unknown[]): unknown {
  const c = command as { name?: string; args?: unknown[]; promise?: Promise<unknown> };
  // BullMQ runs its Lua scripts by sha; the number of keys says which one (moveToActive-11,
  // moveToFinished-14, … in node_modules/bullmq/dist/esm/scripts).
  const key = c.name === 'evalsha' ? `evalsha (${String(c.args?.[1])} keys)` : String(c.name);
  const started = performance.now();
  c.promise?.then(
    () => add(commands, key, performance.now() - started),
    () => add(commands, key, performance.now() - started),
  );
  return originalSend.call(this, command, ...rest);
};

const sorted = (map: Map<string, Tally>) =>
  [...map.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([key, t]) => ({ key, count: t.count, ms: Math.round(t.ms) }));

// Nest's shutdown hook closes the app, then re-raises the signal, which would end the process
// without 'exit' handlers (and without writing --cpu-prof's profile): the re-raised signal ends
// it with process.exit instead.
let signals = 0;
process.on('SIGINT', () => {
  signals += 1;
  if (signals > 1) process.exit(0);
});

process.on('exit', () => {
  const file = process.env.MEND_ROUND_TRIPS_FILE;
  if (!file) return;
  writeFileSync(file, `${JSON.stringify({ statements: sorted(statements), redis: sorted(commands) }, null, 2)}\n`);
});
