import { defineConfig } from '@playwright/test';

/**
 * Browser journeys against a freshly built site with a fresh demo database (tmp/e2e, gitignored).
 * Debian's chromium is used instead of Playwright's downloaded browsers: the CI machine installs it
 * with apt (tests/run.sh), so nothing is fetched from Playwright's CDN.
 */
// E2E_PORT lets two checkouts (git worktrees) run their browser tests side by side
const PORT = Number(process.env.E2E_PORT ?? 4399);
const BASE_URL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: BASE_URL,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: false,
    hasTouch: false,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium-390', use: {} }],
  webServer: {
    command:
      'rm -rf tmp/e2e && mkdir -p tmp/e2e && npm run build && ' +
      `PORT=${PORT} HOST=127.0.0.1 DATABASE_PATH=tmp/e2e/tonghu.db TONGHU_DEMO=1 npx tsx src/cli/serve.ts`,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    // build + demo seed + start: about a minute on a quiet machine, several when the machine is shared
    timeout: 420_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
