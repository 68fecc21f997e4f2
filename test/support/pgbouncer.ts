/**
 * A PgBouncer of a suite's own (Debian's `pgbouncer` package) in transaction pooling mode in
 * front of the suite's PostgreSQL, on a free loopback port, with the settings docs/scaling.md
 * gives for production. A few server connections serve many more client connections, so
 * consecutive transactions of different clinics run on the same PostgreSQL session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { freePort, settlesWithin } from './private-redis.js';

const PGBOUNCER = '/usr/sbin/pgbouncer';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it (host and port of this URL are used). */
  serverUrl: string;
  /** Roles clients log in as, with their passwords (PgBouncer logs in to PostgreSQL with the same). */
  users: Record<string, string>;
  /** Server connections per database and role. */
  poolSize: number;
}

export class PgBouncer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    private readonly adminPassword: string,
  ) {}

  static async start(options: PgBouncerOptions): Promise<PgBouncer> {
    const server = new URL(options.serverUrl);
    const dir = mkdtempSync(path.join(tmpdir(), 'mend-pgbouncer-'));
    // PgBouncer refuses to run as root; it then runs as nobody and must read its files as nobody.
    chmodSync(dir, 0o755);
    const port = await freePort();
    const adminPassword = 'pgbouncer-admin';
    const users = { ...options.users, pgbouncer_admin: adminPassword };
    const quote = (value: string) => `"${value.replace(/"/g, '""')}"`;
    writeFileSync(
      path.join(dir, 'userlist.txt'),
      Object.entries(users)
        .map(([user, password]) => `${quote(user)} ${quote(password)}\n`)
        .join(''),
      { mode: 0o644 },
    );
    writeFileSync(
      path.join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        // Any database name the client asks for, on the one server.
        `* = host=${server.hostname} port=${server.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        `auth_file = ${path.join(dir, 'userlist.txt')}`,
        'admin_users = pgbouncer_admin',
        'pool_mode = transaction',
        `default_pool_size = ${options.poolSize}`,
        'max_client_conn = 500',
        // node-postgres sends statement_timeout as a startup parameter, which transaction pooling
        // cannot honour per client: the timeout is set on the role instead (docs/scaling.md).
        'ignore_startup_parameters = statement_timeout',
        'server_reset_query =',
        'log_connections = 0',
        'log_disconnections = 0',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const args = [path.join(dir, 'pgbouncer.ini')];
    if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
    const child = spawn(PGBOUNCER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.once('error', () => undefined);
    const bouncer = new PgBouncer(child, dir, port, adminPassword);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(
          `pgbouncer exited with ${child.exitCode} (install Debian's pgbouncer: apt-get install pgbouncer): ${stderr}`,
        );
      }
      try {
        await bouncer.show('VERSION');
        return bouncer;
      } catch (error) {
        if (Date.now() > deadline) {
          await bouncer.stop();
          throw new Error(`pgbouncer did not answer on port ${port}: ${(error as Error).message} ${stderr}`);
        }
      }
      await sleep(50);
    }
  }

  /** `url` with its host and port replaced by this PgBouncer's. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** A SHOW command on PgBouncer's admin console (SHOW POOLS, SHOW SERVERS…). */
  async show(what: string): Promise<Array<Record<string, unknown>>> {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'pgbouncer_admin',
      password: this.adminPassword,
      database: 'pgbouncer',
    });
    await client.connect();
    try {
      // No parameters: node-postgres sends the simple query protocol, the only one the console speaks.
      return (await client.query(`SHOW ${what}`)).rows;
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGINT');
      if (!(await settlesWithin(exited, 5_000))) this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
