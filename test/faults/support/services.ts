/**
 * Private PostgreSQL and Redis servers for the fault suite: each on its own free port with its
 * own data folder, so stopping and restarting them never disturbs the machine's shared servers
 * or another test run.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '@mend/database';

import { freePort, PrivateRedis, settlesWithin } from '../../support/private-redis.js';

export { PrivateRedis, freePort, settlesWithin };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** A scratch folder for one spec file's servers and logs; removed by {@link removeScratch}. */
export function makeScratch(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `mend-faults-${label}-`));
}

/** The API and worker logs of the last run, kept under test-output/faults/<label>/ for a failure's post-mortem. */
export function keepLogs(scratch: string, label: string): void {
  const target = path.join(ROOT, 'test-output', 'faults', label);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(scratch).filter((name) => name.endsWith('.log')))
    copyFileSync(path.join(scratch, file), path.join(target, file));
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Embedded PostgreSQL that can be stopped and started again on the same data and port. */
export class PrivatePostgres {
  private handle: EmbeddedPostgresHandle | undefined;
  readonly adminUrl: string;

  private constructor(
    private readonly dataDir: string,
    readonly port: number,
    private readonly password: string,
  ) {
    this.adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  }

  static async start(scratch: string): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(path.join(scratch, 'postgres'), await freePort(), 'faults-postgres-password');
    await pg.start();
    return pg;
  }

  async start(): Promise<void> {
    if (this.handle) return;
    this.handle = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, password: this.password });
  }

  /** A fast shutdown (SIGINT): open sessions are terminated, as in a real restart. */
  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.stop();
  }
}
