/**
 * The suite's figures: a plain table on stdout per scenario, and the same numbers in
 * test-output/faults.json (reset by the global setup at the start of each run).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { leaksInternals, type ApiResponse } from './api-client.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FAULTS_JSON = path.join(ROOT, 'test-output', 'faults.json');

export type Cell = string | number;

export function table(title: string, header: string[], rows: Cell[][], notes: string[] = []): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    '',
    `== ${title}`,
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    ...notes.map((note) => `   ${note}`),
    '',
  ].join('\n');
}

/** Written to stdout directly: jest's console adds a stack location to every line. */
export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function recordScenario(name: string, figures: unknown): void {
  mkdirSync(path.dirname(FAULTS_JSON), { recursive: true });
  const current = existsSync(FAULTS_JSON)
    ? (JSON.parse(readFileSync(FAULTS_JSON, 'utf8')) as { scenarios?: Record<string, unknown> })
    : {};
  const next = {
    ...current,
    scenarios: {
      ...(current.scenarios ?? {}),
      [name]: { ...(figures as object), recordedAt: new Date().toISOString() },
    },
  };
  writeFileSync(FAULTS_JSON, `${JSON.stringify(next, null, 2)}\n`);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export interface ResponseSummary {
  count: number;
  /** Count per status; 0 is a network failure or a client-side timeout. */
  statuses: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Error answers that were not application/problem+json. */
  notProblemJson: number;
  /** Error answers whose body shows a stack frame, a source path or a driver message. */
  leaks: number;
}

export function summarize(responses: ApiResponse[]): ResponseSummary {
  const statuses: Record<string, number> = {};
  for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const errors = responses.filter((r) => r.status >= 400);
  const ms = responses.map((r) => r.ms);
  return {
    count: responses.length,
    statuses,
    p50Ms: percentile(ms, 50),
    p99Ms: percentile(ms, 99),
    maxMs: ms.length ? Math.max(...ms) : 0,
    notProblemJson: errors.filter((r) => !r.contentType.startsWith('application/problem+json')).length,
    leaks: errors.filter((r) => leaksInternals(r.text)).length,
  };
}

export function statusList(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([status, n]) => `${status === '0' ? 'no answer' : status}×${n}`)
    .join(' ');
}
