import { test, expect } from '@playwright/test';
import { hydrated, signUp, uniqueEmail, screenshot, PASSWORD } from './helpers';

test('sign up lands in a personal workspace', async ({ page }) => {
  await page.goto('/signup');
  await screenshot(page, 'signup');
  const slug = await signUp(page, 'Ada Lovelace', uniqueEmail('ada'));
  expect(slug).toMatch(/^adas-workspace/);
  await expect(page.locator('.switcher-name')).toHaveText("Ada's workspace");
  await expect(page.locator('.role-badge')).toHaveText('Owner');
  await expect(page).toHaveTitle(/Postroom/);
  await screenshot(page, 'overview');
});

test('bad sign-up input shows clear messages', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Your name').fill('Bo');
  await page.getByLabel('Work email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();
  await expect(page.getByText('Password must be at least 8 characters.')).toBeVisible();
  await expect(page).toHaveURL(/\/signup$/);
});

test('a wrong password and an unknown email read the same', async ({ page }) => {
  const email = uniqueEmail('grace');
  await signUp(page, 'Grace Hopper', email);
  await page.context().clearCookies();
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await page.getByLabel('Email').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await screenshot(page, 'login-error');
});

test('pages work before the wasm loads', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const res = await page.goto('/login');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Welcome back' })).toBeVisible();
  const missing = await page.goto('/w/does-not-exist-anywhere');
  expect(missing?.status()).toBe(200); // redirected to the login page first
  await expect(page).toHaveURL(/\/login\?next=/);
  await context.close();
});

test('log in sends you back to where you were going', async ({ page }) => {
  const email = uniqueEmail('lin');
  const slug = await signUp(page, 'Lin Ma', email);
  await page.context().clearCookies();
  await page.goto(`/w/${slug}/settings`);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=`));
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/settings$`));
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});
