import { defineConfig } from 'vitest/config';

/** `npm run test:soak`: long tests against the built server (kill -9 under load); not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['tests/soak/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
  },
});
