/**
 * One clock: nothing under apps/ or libs/ (nor the demo seed) reads the wall clock except the
 * clock itself, and no SQL decides from PostgreSQL's own now(). Each exception says why.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');

/** Files allowed to read the wall clock, with the reason. */
const EXCEPTIONS: Record<string, string> = {
  'libs/core/src/clock.ts': 'the clock itself',
  'libs/database/src/embedded-postgres.ts':
    'waits for the embedded server to start: an infrastructure deadline, no domain decision',
  'libs/queue/src/queue-connections.ts': 'throttles repeated connection-error log lines',
  'libs/integrations/src/webhooks/webhook-delivery.service.ts':
    'the Standard Webhooks timestamp header: the receiver checks it against its own wall clock',
  'apps/web/src/deviceClock.ts':
    "the browser's device clock, for form defaults and previews only; the API decides on its Clock",
  'libs/integrations/src/inbound/integrations.service.ts':
    "an inbound signature carries the sender's wall-clock timestamp; its tolerance is checked against the wall clock",
};

/** Directories that are not product code run by the API or the worker. */
const SKIPPED_DIRS = [
  'libs/testing', // the suite's own clock (suiteClock) and fixtures
];

const WALL_CLOCK = [
  { name: 'Date.now()', pattern: /\bDate\.now\(\)/ },
  { name: 'new Date() without an argument', pattern: /\bnew Date\(\s*\)/ },
  { name: 'Luxon now without an instant', pattern: /\bDateTime\.(now|utc|local)\(\s*\)/ },
];
const SQL_CLOCK = [
  { name: 'SQL now()', pattern: /(?<![\w.$])now\(\)/i },
  {
    name: 'SQL CURRENT_TIMESTAMP/CURRENT_DATE/LOCALTIMESTAMP',
    pattern: /\b(current_timestamp|current_date|localtimestamp)\b/i,
  },
  {
    name: 'SQL clock_timestamp()/statement_timestamp()',
    pattern: /\b(clock_timestamp|statement_timestamp|transaction_timestamp)\(\)/i,
  },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const rel = relative(ROOT, path);
    if (entry === 'node_modules' || entry === 'dist' || SKIPPED_DIRS.includes(rel)) continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry) && !/\.spec\.tsx?$/.test(entry)) out.push(rel);
  }
  return out;
}

function violations(files: string[], rules: Array<{ name: string; pattern: RegExp }>): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (EXCEPTIONS[file]) continue;
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        // Comments may speak of the clock; code may not read it.
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        for (const rule of rules) if (rule.pattern.test(code)) found.push(`${file}:${i + 1} ${rule.name}`);
      });
  }
  return found;
}

const files = [
  ...sourceFiles(join(ROOT, 'apps')),
  ...sourceFiles(join(ROOT, 'libs')),
  'scripts/seed-demo-couple.ts',
  'scripts/seed-demo.ts',
];

describe('one clock', () => {
  it('scans the product code', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('libs/homework/src/check-ins.service.ts');
  });

  it('reads the wall clock only in the clock (and the listed exceptions)', () => {
    expect(violations(files, WALL_CLOCK)).toEqual([]);
  });

  it('decides from the bound "now" (mend_now()) in SQL, never from PostgreSQL\'s own clock', () => {
    expect(violations(files, SQL_CLOCK)).toEqual([]);
  });

  it('catches a wall-clock read and a SQL now() when one appears', () => {
    const probe = [{ name: 'x', pattern: WALL_CLOCK[0].pattern }];
    expect(probe[0].pattern.test('const t = Date.now();')).toBe(true);
    expect(WALL_CLOCK[1].pattern.test('at: new Date(),')).toBe(true);
    expect(WALL_CLOCK[1].pattern.test('new Date(row.at)')).toBe(false);
    expect(SQL_CLOCK[0].pattern.test('WHERE due_at <= now()')).toBe(true);
    expect(SQL_CLOCK[0].pattern.test('WHERE due_at <= mend_now()')).toBe(false);
    expect(SQL_CLOCK[0].pattern.test('this.clock.now()')).toBe(false);
  });

  it('lists only exceptions that still read the wall clock', () => {
    for (const file of Object.keys(EXCEPTIONS)) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect({ file, reads: WALL_CLOCK.some((rule) => rule.pattern.test(text)) }).toEqual({ file, reads: true });
    }
  });
});
