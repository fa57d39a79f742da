// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  integrations: [svelte()],
  // Origin checks are done by src/middleware.ts for every state-changing request (forms and JSON alike),
  // against the request's own host and the configured public origin (docs/decisions/0004-origin-checks.md).
  security: { checkOrigin: false },
  server: { host: process.env.HOST ?? 'localhost', port: Number(process.env.PORT ?? 4321) },
  build: { inlineStylesheets: 'never' },
  devToolbar: { enabled: false },
  vite: {
    ssr: { external: ['better-sqlite3'] },
    // page scripts are emitted as files, never inlined: the CSP allows only script-src 'self'
    build: { assetsInlineLimit: 0 },
  },
});
