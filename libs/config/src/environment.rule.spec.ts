/**
 * One place reads the environment: nothing under apps/ or libs/ (specs included) touches
 * process.env except libs/config, so every setting is validated, typed and named in one file.
 * scripts/, bench/ and test/ are tools around the product and may read it; each exception here
 * says why.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');

const EXCEPTIONS: Record<string, string> = {
  'apps/web/vite.config.ts':
    "the web app's build tool configuration (where `npm run web:dev` proxies the API), run by Vite, not by the product",
};

const ENVIRONMENT = /\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*['"]env['"]\s*\]|\bimport\.meta\.env\b/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const rel = relative(ROOT, path);
    if (entry === 'node_modules' || entry === 'dist' || rel === 'libs/config') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry)) out.push(rel);
  }
  return out;
}

describe('one place reads the environment', () => {
  it('finds process.env nowhere in apps/ or libs/ outside libs/config', () => {
    const found: string[] = [];
    for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
      if (EXCEPTIONS[file]) continue;
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          if (ENVIRONMENT.test(code)) found.push(`${file}:${i + 1}`);
        });
    }
    expect(found).toEqual([]);
  });
});
