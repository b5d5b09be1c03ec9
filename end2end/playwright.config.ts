import { defineConfig, devices } from '@playwright/test';

// Run by `cargo leptos end-to-end` (via scripts/test), which builds the app, starts the
// server on LEPTOS_SITE_ADDR (127.0.0.1:3000) and then immediately runs
// `npx playwright test` here; global-setup.ts waits for /healthz before any test starts.
//
// The browser is Debian's chromium (apt-get install chromium): `npx playwright install`
// cannot work on these machines (no downloads outside the package registries).
const baseURL = process.env.POSTROOM_E2E_BASE_URL ?? 'http://127.0.0.1:3000';
const chromium = process.env.POSTROOM_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: chromium,
          // Without the background-networking flags Chromium keeps trying (and failing)
          // to reach Google's hosts through this machine's closed network.
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
