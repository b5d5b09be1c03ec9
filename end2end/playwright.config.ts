import { defineConfig, devices } from '@playwright/test';

// Run by `cargo leptos end-to-end` (via scripts/test), which builds the app, starts the
// server on LEPTOS_SITE_ADDR (127.0.0.1:3000) and then immediately runs
// `npx playwright test` here; global-setup.ts waits for /healthz before any test starts.
//
// The browser is Debian's chromium (apt-get install chromium): `npx playwright install`
// cannot work on these machines (no downloads outside the package registries).
const baseURL = process.env.POSTROOM_E2E_BASE_URL ?? 'http://127.0.0.1:3000';
const chromium = process.env.POSTROOM_CHROMIUM ?? '/usr/bin/chromium';

const browserUse = {
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
};

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // Two at a time: every test signs up accounts of its own (uniqueEmail), so none
  // sees another's data; the server and Chromium share the machine's two cores.
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: 'list',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  // Two projects: `hydrated` (JavaScript on, the wasm loaded: forms update in place)
  // and `no-javascript` (each form posts itself and the page it lands on shows the
  // outcome). The form flows (forms.spec.ts) run in both; *-nojs specs are the
  // no-JavaScript project's own; the rest need script (clipboard, drag and drop).
  projects: [
    {
      name: 'hydrated',
      testIgnore: /-nojs\.spec\.ts$/,
      use: { ...browserUse },
    },
    {
      name: 'no-javascript',
      testMatch: [/forms\.spec\.ts$/, /limits\.spec\.ts$/, /agency\.spec\.ts$/, /ai-draft\.spec\.ts$/, /-nojs\.spec\.ts$/],
      use: { ...browserUse, javaScriptEnabled: false },
    },
  ],
});
