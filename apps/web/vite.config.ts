import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

/**
 * The web app is a client of the public API. `npm run build` writes it to dist/web, which the
 * API serves from its own origin (same CSP, no CORS). `npm run web:dev` runs Vite's dev server
 * on :5173 and proxies the API paths to the API on :3000 (MEND_API_URL to point elsewhere).
 */
const api = process.env.MEND_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic' } },
  resolve: {
    // The check-in wording and form rules the server-rendered check-in page uses too (one catalog).
    alias: { '@mend/check-in-form': fileURLToPath(new URL('../../libs/check-in-form/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts under the CSP: the module-preload polyfill is not needed by the browsers we support.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Mantine and TanStack Query mark their modules "use client" for React Server Components; meaningless here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/v1', '/docs', '/health', '/c'].map((path) => [path, { target: api }])),
  },
});
