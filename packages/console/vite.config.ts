// Builds the console (Preact, JSX compiled by Vite's own transform) into the server's static assets,
// packages/server/console/, which the server serves at /console (packages/server/src/plugins/console.ts).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: join(here, '../server/console'),
    emptyOutDir: true,
    target: 'es2022',
    // Small enough to need no splitting: one script, one style sheet.
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
