import type { FullConfig } from '@playwright/test';
import { startFakeAi } from './fake-ai';

// cargo-leptos starts Playwright right after spawning the server, before it listens
// (and before migrations have run). Poll /healthz until it answers 200, for at most 90 s.
const TIMEOUT_MS = 90_000;

export default async function globalSetup(config: FullConfig): Promise<(() => Promise<void>) | void> {
  // The AI endpoint the app is configured with (scripts/test sets the port).
  let teardown: (() => Promise<void>) | undefined;
  const aiPort = Number(process.env.POSTROOM_E2E_AI_PORT ?? 0);
  if (aiPort) {
    const ai = await startFakeAi(aiPort);
    console.log(`[global-setup] fake AI endpoint on 127.0.0.1:${aiPort}`);
    teardown = () =>
      new Promise((resolve) => {
        ai.closeAllConnections();
        ai.close(() => resolve());
      });
  }
  const base = config.projects[0]?.use?.baseURL ?? 'http://127.0.0.1:3000';
  const url = new URL('/healthz', base).toString();
  const started = Date.now();
  let last = 'no answer yet';
  while (Date.now() - started < TIMEOUT_MS) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        console.log(`[global-setup] ${url} answered 200 after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return teardown;
      }
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`[global-setup] ${url} did not answer 200 within ${TIMEOUT_MS / 1000} s (last: ${last})`);
}
