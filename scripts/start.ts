/**
 * `npm start`: the whole product on one machine, with no configuration.
 *
 * Without DATABASE_URL it runs embedded PostgreSQL (data and generated secrets under `.data/`),
 * provisions the two roles, migrates, installs the BullMQ PostgreSQL schema when there is no
 * REDIS_URL, starts the API and the worker, waits for /health/ready and seeds a demo clinic
 * through the API. With DATABASE_URL / REDIS_URL it uses those instead.
 *
 * Shutdown order matters: the API and worker drain first (SIGTERM, then SIGKILL after a
 * timeout), the database stops last. Every child therefore runs in its own process group
 * (`detached`), so a terminal Ctrl-C reaches only this launcher, which then signals each child
 * exactly once. Embedded PostgreSQL lives in a small helper process (this same file with
 * DATABASE_HOST_FLAG) that stops the server as soon as its link to the launcher breaks, so
 * even a `kill -9` of the launcher does not leave a database running.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

import {
  ConfigValidationError,
  loadConfig,
  readLauncherSettings,
  type AppConfig,
  type LauncherSettings,
} from '@mend/config';
import { provisionDatabase, runMigrations, startEmbeddedPostgres } from '@mend/database';
import { installQueueSchema } from '@mend/queue';

import { startLocalMailbox, type LocalMailbox } from './local-mailbox.js';
import { seedDemo, type SeedReport } from './seed-demo.js';

const DATABASE_HOST_FLAG = '--embedded-postgres-host';
const DATABASE_NAME = 'mend';
const READY_TIMEOUT_MS = 120_000;
const APP_STOP_TIMEOUT_MS = 10_000;
const DATABASE_STOP_TIMEOUT_MS = 60_000;
const LEFTOVER_STOP_TIMEOUT_MS = 5_000;

const SCRIPT = fileURLToPath(import.meta.url);

class LauncherError extends Error {}

let activeLauncher: Launcher | undefined;

// ---------------------------------------------------------------------------------------------
// Output

/** Set from the settings in main(); plain text when not on a terminal or with NO_COLOR. */
let color = false;
const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (text: string) => paint(1, text);
const dim = (text: string) => paint(2, text);

function say(message: string): void {
  process.stdout.write(`${paint(36, 'mend')} ${message}\n`);
}

function warn(message: string): void {
  process.stderr.write(`${paint(33, 'mend')} ${message}\n`);
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** Prefixes each line a child writes, so API and worker logs stay apart in one terminal. */
function relayLines(stream: Readable | null, prefix: string, out: NodeJS.WritableStream): void {
  if (!stream) return;
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix}${line}\n`));
}

// ---------------------------------------------------------------------------------------------
// Files under the data folder

function repoRoot(): string {
  // dist/scripts/start.js (or scripts/start.ts): walk up to the package.json.
  for (let dir = dirname(SCRIPT); ; dir = dirname(dir)) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

interface LocalSecrets {
  jwtSecret: string;
  postgresPassword: string;
  ownerPassword: string;
  appPassword: string;
}

const secret = () => randomBytes(32).toString('base64url');

/** Reads `.data/secrets.json`, creating (or completing) it with fresh random values, mode 0600. */
function loadLocalSecrets(file: string): { secrets: LocalSecrets; created: boolean } {
  let stored: Partial<LocalSecrets> = {};
  const exists = existsSync(file);
  if (exists) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    } catch {
      throw new LauncherError(`${file} is not valid JSON. Fix it, or delete the whole data folder to start over.`);
    }
  }
  const secrets: LocalSecrets = {
    jwtSecret: stored.jwtSecret ?? secret(),
    postgresPassword: stored.postgresPassword ?? secret(),
    ownerPassword: stored.ownerPassword ?? secret(),
    appPassword: stored.appPassword ?? secret(),
  };
  const complete = (Object.keys(secrets) as Array<keyof LocalSecrets>).every((key) => stored[key] === secrets[key]);
  if (!complete) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  }
  // Tighten a file someone loosened (writeFileSync's mode only applies on creation).
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { secrets, created: !exists };
}

interface LockFile {
  launcherPid: number;
  children: Array<{ name: string; pid: number }>;
}

function commandLineOf(pid: number): string | undefined {
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

/**
 * One launcher per data folder. A launcher that was killed may have left its API, worker or
 * database helper running (holding the port): those are stopped, after checking by command
 * line that the pid still belongs to them.
 */
async function claimDataFolder(lockFile: string): Promise<void> {
  if (existsSync(lockFile)) {
    let lock: LockFile | undefined;
    try {
      lock = JSON.parse(readFileSync(lockFile, 'utf8')) as LockFile;
    } catch {
      lock = undefined;
    }
    if (lock && lock.launcherPid !== process.pid && commandLineOf(lock.launcherPid)?.includes('scripts/start.js')) {
      throw new LauncherError(
        `Mend is already running from this folder (launcher pid ${lock.launcherPid}). ` +
          `Stop it with Ctrl-C in its terminal, or kill ${lock.launcherPid}.`,
      );
    }
    const leftovers = (lock?.children ?? []).filter((child) => {
      const command = commandLineOf(child.pid);
      return command !== undefined && (command.includes('dist/apps/') || command.includes(DATABASE_HOST_FLAG));
    });
    await Promise.all(
      leftovers.map(async (child) => {
        warn(`stopping the ${child.name} left running by a previous launcher (pid ${child.pid})`);
        process.kill(child.pid, 'SIGTERM');
        // Its database is usually gone already, so a graceful close may hang: do not wait long.
        if (!(await waitForPidExit(child.pid, LEFTOVER_STOP_TIMEOUT_MS))) process.kill(child.pid, 'SIGKILL');
      }),
    );
  }
  writeLock(lockFile, []);
}

function writeLock(lockFile: string, children: Array<{ name: string; pid: number }>): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  const lock: LockFile = { launcherPid: process.pid, children };
  writeFileSync(lockFile, `${JSON.stringify(lock)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Embedded PostgreSQL helper process

type ToDatabaseHost =
  { type: 'start'; dataDir: string; port: number; password: string; logFile: string } | { type: 'stop' };
type FromDatabaseHost = { type: 'ready'; adminUrl: string } | { type: 'error'; message: string };

/** Runs in the helper process: starts PostgreSQL on request, stops it on request or orphaning. */
function runDatabaseHost(): void {
  let handle: { stop(): Promise<void> } | undefined;
  let stopping: Promise<void> | undefined;
  const stopAndExit = () => {
    stopping ??= (async () => {
      try {
        await handle?.stop();
      } finally {
        process.exit(0);
      }
    })();
  };

  process.on('message', (message: ToDatabaseHost) => {
    if (message.type === 'stop') return stopAndExit();
    if (message.type !== 'start') return;
    const log = createWriteStream(message.logFile, { flags: 'a' });
    startEmbeddedPostgres({
      dataDir: message.dataDir,
      port: message.port,
      password: message.password,
      onLog: (line) => log.write(line),
    })
      .then((started) => {
        handle = started;
        if (stopping) return void started.stop();
        process.send?.({ type: 'ready', adminUrl: started.adminUrl } satisfies FromDatabaseHost);
      })
      .catch((error: unknown) => {
        // Nothing to stop: the server is not running. Report, then leave.
        const reason = error instanceof Error ? error.message : 'PostgreSQL exited during start';
        process.send?.({ type: 'error', message: reason } satisfies FromDatabaseHost, () => process.exit(1));
      });
  });
  // The launcher is gone (exited or killed): nobody else will stop this server.
  process.on('disconnect', stopAndExit);
}

/** The last FATAL/ERROR line PostgreSQL wrote, which usually names the cause. */
function lastProblem(logFile: string): string | undefined {
  try {
    const lines = readFileSync(logFile, 'utf8').split('\n');
    const line = lines.reverse().find((l) => /\b(FATAL|ERROR|PANIC):/.test(l));
    return line?.replace(/^.*?\b(FATAL|ERROR|PANIC):\s*/, '');
  } catch {
    return undefined;
  }
}

class EmbeddedDatabase {
  private exitedCleanly = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly host: ChildProcess,
    readonly adminUrl: string,
  ) {
    this.exited = new Promise((done) => host.once('exit', () => done()));
  }

  static async start(
    options: { dataDir: string; port: number; password: string; logFile: string },
    onUnexpectedExit: (code: number | null) => void,
  ): Promise<EmbeddedDatabase> {
    const host = spawn(process.execPath, [SCRIPT, DATABASE_HOST_FLAG], {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const adminUrl = await new Promise<string>((done, fail) => {
      host.once('message', (message: FromDatabaseHost) => {
        if (message.type === 'ready') return done(message.adminUrl);
        const cause = lastProblem(options.logFile) ?? message.message;
        const hint = /TCP\/IP|already in use/i.test(cause)
          ? `; is port ${options.port} taken? set EMBEDDED_POSTGRES_PORT`
          : '';
        fail(new LauncherError(`Embedded PostgreSQL did not start: ${cause} (log: ${options.logFile}${hint})`));
      });
      host.once('exit', (code) => {
        fail(
          new LauncherError(`Embedded PostgreSQL helper exited during start (code ${code}); see ${options.logFile}`),
        );
      });
      host.send({ type: 'start', ...options } satisfies ToDatabaseHost);
    }).catch((error: unknown) => {
      // Closing the channel makes the helper stop whatever it started and exit.
      if (host.connected) host.disconnect();
      throw error;
    });
    const database = new EmbeddedDatabase(host, adminUrl);
    host.once('exit', (code) => {
      if (!database.exitedCleanly) onUnexpectedExit(code);
    });
    return database;
  }

  get pid(): number | undefined {
    return this.host.pid;
  }

  async stop(): Promise<void> {
    this.exitedCleanly = true;
    if (this.host.exitCode !== null || this.host.signalCode !== null) return;
    if (this.host.connected) this.host.send({ type: 'stop' } satisfies ToDatabaseHost);
    else this.host.kill('SIGTERM');
    const stopped = await Promise.race([
      this.exited.then(() => true),
      sleep(DATABASE_STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!stopped) {
      warn('embedded PostgreSQL did not stop in time; killing its helper (the next start cleans up)');
      this.host.kill('SIGKILL');
      await this.exited;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// API and worker

class AppProcess {
  private readonly exited: Promise<void>;
  private expectedExit = false;

  constructor(
    readonly name: 'api' | 'worker',
    private readonly child: ChildProcess,
    onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void,
  ) {
    this.exited = new Promise((done) => child.once('exit', () => done()));
    child.once('exit', (code, signal) => {
      if (!this.expectedExit) onUnexpectedExit(name, code, signal);
    });
  }

  static spawn(
    name: 'api' | 'worker',
    entryPoint: string,
    options: { cwd: string; env: NodeJS.ProcessEnv; log?: NodeJS.WritableStream },
    onUnexpectedExit: (name: string, code: number | null, signal: NodeJS.Signals | null) => void,
  ): AppProcess {
    const child = spawn(process.execPath, ['--enable-source-maps', entryPoint], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = dim(`${name.padEnd(6)} | `);
    // Quiet by default: the apps' logs go to a file; `--logs` or LOG_LEVEL streams them here.
    relayLines(child.stdout, prefix, options.log ?? process.stdout);
    relayLines(child.stderr, prefix, options.log ?? process.stderr);
    return new AppProcess(name, child, onUnexpectedExit);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM (the apps drain and close), then SIGKILL if it takes longer than the timeout. */
  async stop(timeoutMs: number): Promise<void> {
    this.expectedExit = true;
    if (!this.isRunning) return;
    this.child.kill('SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!stopped) this.kill(`did not stop within ${timeoutMs / 1000} s`);
    await this.exited;
  }

  kill(reason: string): void {
    this.expectedExit = true;
    if (!this.isRunning) return;
    warn(`${this.name} ${reason}; killing it`);
    this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------
// The launcher

class Launcher {
  private database: EmbeddedDatabase | undefined;
  private readonly apps: AppProcess[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly lockFile: string) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  setDatabase(database: EmbeddedDatabase): void {
    this.database = database;
    this.recordChildren();
  }

  addApp(app: AppProcess): void {
    this.apps.push(app);
    this.recordChildren();
  }

  private recordChildren(): void {
    const children = [
      ...(this.database?.pid ? [{ name: 'database helper', pid: this.database.pid }] : []),
      ...this.apps.flatMap((app) => (app.pid ? [{ name: app.name, pid: app.pid }] : [])),
    ];
    writeLock(this.lockFile, children);
  }

  /** A second Ctrl-C while stopping: do not wait for the apps to drain. */
  hurry(): void {
    for (const app of this.apps) app.kill('asked to stop again');
  }

  stop(exitCode: number, reason?: string): Promise<void> {
    this.stopping ??= (async () => {
      if (reason) (exitCode === 0 ? say : warn)(reason);
      const running = this.apps.filter((app) => app.isRunning);
      if (running.length) say(`stopping ${running.map((app) => app.name).join(' and ')}…`);
      await Promise.all(this.apps.map((app) => app.stop(APP_STOP_TIMEOUT_MS)));
      if (this.database) {
        say('stopping embedded PostgreSQL…');
        await this.database.stop();
      }
      rmSync(this.lockFile, { force: true });
      say(exitCode === 0 ? 'stopped.' : 'stopped after an error.');
      process.exit(exitCode);
    })().catch((error: unknown) => {
      warn(`error while stopping: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(exitCode || 1);
    });
    return this.stopping;
  }
}

/**
 * `embedded-postgres` installs exit hooks at import that stop its servers and call
 * process.exit on the first signal; in the launcher that would exit before the API and
 * worker have drained. The launcher does its own ordered shutdown, so those hooks go.
 */
function detachLibraryExitHooks(): void {
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message']) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (String(listener).includes('eventFilters'))
        process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparseable URL';
  }
}

/** The compiled entry point of an app (tsc keeps the source layout: dist/apps/<name>/src/main.js). */
function appEntryPoint(root: string, name: 'api' | 'worker'): string {
  const candidates = [`dist/apps/${name}/main.js`, `dist/apps/${name}/src/main.js`].map((path) => resolve(root, path));
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new LauncherError(
      `dist/apps/${name}/src/main.js is missing: run \`npm run build\` (npm start does it for you).`,
    );
  return found;
}

function readinessUrl(config: AppConfig): string {
  const host = config.http.host;
  const reachable = ['0.0.0.0', '::', '', '127.0.0.1'].includes(host)
    ? '127.0.0.1'
    : host.includes(':')
      ? `[${host}]`
      : host;
  return `http://${reachable}:${config.http.port}`;
}

async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host }, () => server.close(() => done(true)));
  });
}

async function waitForReady(baseUrl: string, launcher: Launcher): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (launcher.isStopping) return new Promise(() => undefined);
    try {
      const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(250);
  }
  throw new LauncherError(
    `The API did not become ready within ${READY_TIMEOUT_MS / 1000} s (${baseUrl}/health/ready: ${last})`,
  );
}

/** Checks the apps' configuration before anything starts, so every problem shows at once. */
function validate(env: NodeJS.ProcessEnv): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) throw new LauncherError(error.message);
    throw error;
  }
}

function banner(
  config: AppConfig,
  details: {
    database: string;
    queue: string;
    seed: SeedReport | undefined;
    startedIn: string;
    mailbox: LocalMailbox | undefined;
    logFile: string | undefined;
  },
): void {
  const base = config.http.publicUrl;
  const lines = [
    '',
    bold(`Mend is running (ready in ${details.startedIn}).`),
    `  Web app      ${bold(base)}`,
    `  Mailbox      ${details.mailbox ? bold(details.mailbox.webUrl) : 'SMTP_URL (emails are sent for real)'}`,
    `  Swagger UI   ${base}/docs  (OpenAPI: ${base}/docs-json)`,
    `  Database     ${details.database}`,
    `  Queue        ${details.queue}`,
    `  Logs         ${details.logFile ?? 'streamed here'}`,
    '',
    `Press ${bold('Ctrl-C')} to stop.`,
  ];
  if (details.seed) {
    lines.push('', `Demo logins: open ${bold(base)}, clinic ${bold(details.seed.clinicSlug)}, then`);
    for (const login of details.seed.logins)
      lines.push(`  ${login.role.padEnd(10)} ${login.email.padEnd(28)} ${login.password}`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  detachLibraryExitHooks();
  const settings: LauncherSettings = readLauncherSettings();
  color = Boolean(process.stdout.isTTY) && settings.env.NO_COLOR === undefined;
  const root = repoRoot();
  const dataDir = resolve(root, settings.dataDir);
  const shown = (path: string) => relative(process.cwd(), path) || '.';
  const lockFile = resolve(dataDir, 'launcher.json');
  const isEmbedded = settings.databaseUrl === undefined;

  const entryPoints = { api: appEntryPoint(root, 'api'), worker: appEntryPoint(root, 'worker') };
  const pgPort = settings.embeddedPostgresPort;
  if (isEmbedded && (!Number.isInteger(pgPort) || pgPort < 1 || pgPort > 65535)) {
    throw new LauncherError(
      `EMBEDDED_POSTGRES_PORT must be a port number (got "${settings.env.EMBEDDED_POSTGRES_PORT}")`,
    );
  }

  // Everything the apps will be given, except what only exists once the database is up.
  const baseEnv: NodeJS.ProcessEnv = {
    ...settings.env,
    LOG_PRETTY: settings.env.LOG_PRETTY ?? 'true',
    ...(isEmbedded && !settings.env.HOST ? { HOST: '127.0.0.1' } : {}),
    ...(color && !('FORCE_COLOR' in settings.env) ? { FORCE_COLOR: '1' } : {}),
  };
  const placeholderUrl = 'postgres://mend_app:x@127.0.0.1:5432/mend';
  const preflight = validate({
    ...baseEnv,
    DATABASE_URL: settings.databaseUrl ?? placeholderUrl,
    JWT_SECRET: settings.jwtSecret ?? 'x'.repeat(32),
  });

  if (preflight.http.port === 0)
    throw new LauncherError('PORT=0 (any free port) is not supported by npm start: choose a port.');
  say(`starting Mend at ${bold(preflight.http.publicUrl)} …`);

  await claimDataFolder(lockFile);
  if (!(await isPortFree(preflight.http.port, preflight.http.host))) {
    rmSync(lockFile, { force: true });
    const { port, host } = preflight.http;
    throw new LauncherError(`Port ${port} on ${host} is in use. Stop what uses it, or set PORT to another port.`);
  }
  const launcher = new Launcher(lockFile);
  activeLauncher = launcher;
  let signals = 0;
  let firstSignalAt = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // `npm start` runs this launcher as npm's direct child (package.json: prestart builds, start
      // `exec`s, so no shell sits between) and `kill -INT <npm>` reaches it through npm's
      // forwarding; a terminal's Ctrl-C therefore arrives twice at once (from the terminal and
      // forwarded by npm): that is still one press.
      if (signals > 0 && Date.now() - firstSignalAt < 1000) return;
      signals += 1;
      if (signals === 1) {
        firstSignalAt = Date.now();
        process.stdout.write('\n');
        void launcher.stop(0, `${signal} received: shutting down (Ctrl-C again to skip draining)`);
      } else launcher.hurry();
    });
  }

  const needsSecrets = isEmbedded || settings.jwtSecret === undefined;
  const secretsFile = resolve(dataDir, 'secrets.json');
  const local = needsSecrets ? loadLocalSecrets(secretsFile) : undefined;
  if (local?.created) say(`generated local secrets in ${shown(secretsFile)} (mode 0600)`);

  let databaseUrl = settings.databaseUrl;
  let ownerUrl = settings.databaseOwnerUrl;
  let databaseLabel = `${redactUrl(settings.databaseUrl ?? '')} (DATABASE_URL)`;
  if (isEmbedded) {
    const pgDir = resolve(dataDir, 'postgres');
    const pgLog = resolve(dataDir, 'postgres.log');
    if (local!.created && existsSync(resolve(pgDir, 'PG_VERSION'))) {
      rmSync(secretsFile);
      throw new LauncherError(
        `${shown(pgDir)} exists but ${shown(secretsFile)} (its passwords) was missing. ` +
          `Delete ${shown(pgDir)} to start over with an empty database, or restore the secrets file.`,
      );
    }
    const t = Date.now();
    say(`starting embedded PostgreSQL on 127.0.0.1:${pgPort} (data in ${shown(pgDir)})…`);
    const database = await EmbeddedDatabase.start(
      { dataDir: pgDir, port: pgPort, password: local!.secrets.postgresPassword, logFile: pgLog },
      (code) =>
        void launcher.stop(
          1,
          `embedded PostgreSQL stopped unexpectedly (helper exit code ${code}); see ${shown(pgLog)}`,
        ),
    );
    launcher.setDatabase(database);
    const urls = await provisionDatabase({
      adminUrl: database.adminUrl,
      database: DATABASE_NAME,
      ownerPassword: local!.secrets.ownerPassword,
      appPassword: local!.secrets.appPassword,
    });
    databaseUrl = urls.appUrl;
    ownerUrl = urls.ownerUrl;
    databaseLabel = `embedded PostgreSQL 127.0.0.1:${pgPort}/${DATABASE_NAME} (data in ${shown(pgDir)})`;
    say(`PostgreSQL ready in ${seconds(t)}`);
  }

  if (ownerUrl) {
    const t = Date.now();
    const { applied } = await runMigrations(ownerUrl);
    say(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')} (${seconds(t)})`
        : 'database schema is up to date',
    );
    if (preflight.queue.backend === 'postgres') {
      await installQueueSchema(ownerUrl, preflight.queue.postgresSchema);
      say(`BullMQ PostgreSQL schema "${preflight.queue.postgresSchema}" is installed`);
    }
  } else {
    warn('DATABASE_OWNER_URL is not set: migrations are not run (run `npm run migrate` with the owner role).');
  }

  // Without SMTP_URL, emails go to a local mailbox page instead of the terminal.
  const mailbox = settings.env.SMTP_URL
    ? undefined
    : await startLocalMailbox({ webPort: preflight.http.port + 1 }).catch(() => startLocalMailbox());
  const isStreamingLogs = process.argv.includes('--logs') || settings.env.LOG_LEVEL !== undefined;
  const logFile = isStreamingLogs ? undefined : resolve(dataDir, 'mend.log');
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    ...(mailbox ? { SMTP_URL: mailbox.smtpUrl } : {}),
    ...(log ? { FORCE_COLOR: '0', LOG_PRETTY: settings.env.LOG_PRETTY ?? 'false' } : {}),
    DATABASE_URL: databaseUrl,
    ...(ownerUrl ? { DATABASE_OWNER_URL: ownerUrl } : {}),
    JWT_SECRET: settings.jwtSecret ?? local!.secrets.jwtSecret,
  };
  const config = validate(env);

  const onAppExit = (name: string, code: number | null, signal: NodeJS.Signals | null) =>
    void launcher.stop(
      1,
      `${name} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}): stopping everything`,
    );
  say('starting api and worker…');
  for (const name of ['api', 'worker'] as const)
    launcher.addApp(AppProcess.spawn(name, entryPoints[name], { cwd: root, env, log }, onAppExit));

  const localUrl = readinessUrl(config);
  await waitForReady(localUrl, launcher);
  const readyIn = seconds(startedAt);

  const shouldSeed = settings.seedDemo ?? isEmbedded;
  let seed: SeedReport | undefined;
  if (shouldSeed) {
    try {
      seed = await seedDemo(localUrl, env.DATABASE_URL);
      for (const step of seed.steps) say(`demo: ${step}`);
      for (const problem of seed.warnings) warn(`demo: ${problem}`);
      if (seed.warnings.length) seed = undefined;
    } catch (error) {
      // The product runs without demo data; say so plainly rather than tearing it down.
      warn(`demo data could not be seeded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  banner(config, {
    database: databaseLabel,
    queue:
      config.queue.backend === 'redis'
        ? 'BullMQ on Redis (REDIS_URL)'
        : `BullMQ on PostgreSQL (schema "${config.queue.postgresSchema}")`,
    seed,
    startedIn: readyIn,
    mailbox,
    logFile: logFile ? shown(logFile) : undefined,
  });
}

if (process.argv.includes(DATABASE_HOST_FLAG)) {
  runDatabaseHost();
} else {
  main().catch((error: unknown) => {
    // Launcher errors are written for the person at the terminal; anything else keeps its stack.
    warn(
      error instanceof LauncherError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error),
    );
    // Whatever was started so far is stopped in order, and the data folder is released.
    if (activeLauncher) void activeLauncher.stop(1);
    else process.exit(1);
  });
}
