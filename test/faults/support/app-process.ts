/**
 * The API and the worker as real child processes, run from the TypeScript sources through the
 * same SWC hooks the crash test uses (no build, so nothing is written to dist/ while other runs
 * read it). Their output goes to a log file in the scratch folder, named in failure messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = {
  api: path.join(here, 'api-child.ts'),
  worker: path.resolve(here, '../../support/worker-child.ts'),
};
const REGISTER = path.resolve(here, '../../support/ts-register.mjs');
const BOOT_TIMEOUT_MS = 90_000;

/** Every child still running, so a failing spec (or the process exiting) never leaves one behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class AppProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  /** Set before a deliberate kill, so only unexpected exits count as crashes. */
  private isExpectedExit = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.exitInfo = { code, signal };
        resolve();
      }),
    );
  }

  static async start(
    kind: 'api' | 'worker',
    name: string,
    env: Record<string, string | undefined>,
    logFile: string,
  ): Promise<AppProcess> {
    const fd = openSync(logFile, 'a');
    const child = fork(ENTRY[kind], [], {
      execArgv: ['--import', REGISTER],
      env: { ...process.env, MEND_TEST_ENV: JSON.stringify(env) },
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    const app = new AppProcess(name, child, logFile);
    const booted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not report ready within ${BOOT_TIMEOUT_MS / 1000} s\n${app.logTail()}`)),
        BOOT_TIMEOUT_MS,
      );
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited during boot (${signal ?? `code ${code}`})\n${app.logTail()}`));
      });
    });
    try {
      await booted;
    } catch (error) {
      await app.kill('SIGKILL');
      throw error;
    }
    return app;
  }

  get isRunning(): boolean {
    return this.exitInfo === undefined;
  }

  /** An exit nobody asked for (a crash), described; undefined while it runs or after a deliberate stop. */
  get crash(): string | undefined {
    if (!this.exitInfo || this.isExpectedExit) return undefined;
    return `${this.name} exited unexpectedly (${this.exitInfo.signal ?? `code ${this.exitInfo.code}`})`;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.isExpectedExit = true;
    if (this.isRunning) this.child.kill(signal);
    await this.exited;
  }

  logTail(lines = 30): string {
    try {
      return `--- last lines of ${this.logFile} ---\n${readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n')}`;
    } catch {
      return `(no log at ${this.logFile})`;
    }
  }
}
