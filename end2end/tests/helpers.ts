import { expect, type Page, type TestInfo } from '@playwright/test';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export const PASSWORD = 'correct horse battery';

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

/** Waits until the wasm bundle has hydrated the page (lib.rs sets the marker). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
}

/**
 * Puts an account on a plan with the operator's CLI (`postroom admin set-plan`).
 * scripts/test serves the app in cloud billing mode, where a new account starts on a
 * Pro trial over its own Starter plan: tests of other features move their accounts
 * to Max; the limit tests to Starter (setting a plan ends the trial). Against a server
 * started by hand (POSTROOM_E2E_BIN unset) nothing changes.
 */
export function setPlan(email: string, plan: 'starter' | 'plus' | 'pro' | 'max'): void {
  const bin = process.env.POSTROOM_E2E_BIN;
  if (!bin) return;
  execFileSync(bin, ['admin', 'set-plan', '--email', email, '--plan', plan], {
    cwd: process.env.POSTROOM_E2E_ROOT,
    stdio: 'pipe',
  });
}

export async function signUp(
  page: Page,
  name: string,
  email: string,
  plan: 'starter' | 'max' = 'max',
): Promise<string> {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  setPlan(email, plan);
  return new URL(page.url()).pathname.split('/')[2];
}

export async function logIn(page: Page, email: string): Promise<void> {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function createWorkspace(page: Page, name: string): Promise<string> {
  await page.goto('/workspaces/new');
  await hydrated(page);
  await page.getByLabel('Workspace name').fill(name);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  await expect(page.locator('.switcher-name')).toHaveText(name);
  return new URL(page.url()).pathname.split('/')[2];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync('screenshots', { recursive: true });
  await page.screenshot({ path: `screenshots/${name}.png`, fullPage: true });
}

/** Does this Playwright project run JavaScript (the `hydrated` project) or not? */
export const jsOn = (info: TestInfo) => info.project.use.javaScriptEnabled !== false;

/** Ready to use: hydrated when the project runs JavaScript, as rendered otherwise. */
export async function ready(page: Page, info: TestInfo): Promise<void> {
  if (jsOn(info)) await hydrated(page);
}

/**
 * Signs up through the form in either project (with or without JavaScript) and
 * returns the personal workspace's slug; the account then moves to `plan`.
 */
export async function signUpIn(
  page: Page,
  info: TestInfo,
  name: string,
  email: string,
  plan: 'starter' | 'max' = 'max',
): Promise<string> {
  await page.goto('/signup');
  await ready(page, info);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  setPlan(email, plan);
  return new URL(page.url()).pathname.split('/')[2];
}
