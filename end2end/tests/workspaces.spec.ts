import { test, expect } from '@playwright/test';
import { createWorkspace, hydrated, logIn, signUp, uniqueEmail, screenshot } from './helpers';

test('create, switch, rename, colour, delete, and come back to the last workspace', async ({ page, browser }) => {
  const email = uniqueEmail('owner');
  await signUp(page, 'Olive Owner', email);

  const alpha = await createWorkspace(page, 'Alpha Bakery');
  const beta = await createWorkspace(page, 'Beta Bikes');
  expect(alpha).toBe('alpha-bakery');

  // The switcher lists every workspace with its role; switching moves the dashboard.
  await page.locator('summary[aria-label="Switch workspace"]').click();
  const items = page.locator('.switcher-item:not(.new)');
  await expect(items).toHaveCount(3);
  await expect(items.filter({ hasText: 'Alpha Bakery' })).toContainText('Owner');
  await screenshot(page, 'switcher');
  await items.filter({ hasText: 'Alpha Bakery' }).click();
  await page.waitForURL(new RegExp(`/w/${alpha}$`));
  await expect(page.locator('.switcher-name')).toHaveText('Alpha Bakery');

  // Each workspace's settings are its own.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Alpha Bakery');
  await page.goto(`/w/${beta}/settings`);
  await hydrated(page);
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Beta Bikes');

  // Bad input gets specific messages and changes nothing.
  await page.getByLabel('Name', { exact: true }).fill('');
  await page.locator('#ws-color').fill('blue');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Name is required.')).toBeVisible();
  await expect(page.getByText('Primary colour must be a hex colour like #3b82f6.')).toBeVisible();
  await screenshot(page, 'settings-errors');

  // Rename and recolour; the accent colour applies at once.
  await page.getByLabel('Name', { exact: true }).fill('Beta Bicycles');
  await page.locator('#ws-color').fill('#dc2626');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(page.locator('.switcher-name')).toHaveText('Beta Bicycles');
  await expect(page.locator('.app')).toHaveAttribute('style', /--accent:\s*#dc2626/);
  const accent = await page.locator('.button.primary').first().evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(accent).toBe('rgb(220, 38, 38)');
  await screenshot(page, 'settings');

  // Brand tab.
  await page.getByRole('link', { name: 'Brand' }).click();
  await page.getByLabel('Website').fill('https://beta-bikes.example');
  await page.getByLabel('Tone').fill('Cheerful and practical');
  await page.getByRole('button', { name: 'Save brand profile' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await screenshot(page, 'brand');

  // Delete Alpha with a typed-name confirmation.
  await page.goto(`/w/${alpha}/settings`);
  await hydrated(page);
  const del = page.getByRole('button', { name: 'Delete workspace' });
  await expect(del).toBeDisabled();
  await page.locator('#confirm-name').fill('Alpha');
  await expect(del).toBeDisabled();
  await page.locator('#confirm-name').fill('Alpha Bakery');
  await expect(del).toBeEnabled();
  await del.click();
  await page.waitForURL((url) => !url.pathname.startsWith(`/w/${alpha}`));
  await page.goto(`/w/${alpha}`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  // Activity shows what happened, newest first.
  await page.goto(`/w/${beta}/activity`);
  await expect(page.locator('.activity-item').first()).toContainText('updated the brand profile');
  await screenshot(page, 'activity');

  // Log out; with two workspaces, log-in lands on the agency dashboard, which offers
  // the last workspace used.
  await page.goto(`/w/${beta}`);
  await hydrated(page);
  await page.locator('summary[aria-label="Account"]').click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
  await logIn(page, email);
  await page.waitForURL(/\/agency$/);
  await page.getByRole('link', { name: 'Continue in Beta Bicycles' }).click();
  await page.waitForURL(new RegExp(`/w/${beta}$`));
  await expect(page.locator('.switcher-name')).toHaveText('Beta Bicycles');

  // Another user gets a not-found page for this workspace.
  const other = await browser.newContext();
  const stranger = await other.newPage();
  await signUp(stranger, 'Sam Stranger', uniqueEmail('sam'));
  const res = await stranger.goto(`/w/${beta}/settings`);
  expect(res?.status()).toBe(404);
  await expect(stranger.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(stranger.getByText('Beta Bicycles')).toHaveCount(0);
  await screenshot(stranger, 'not-found');
  await other.close();
});

test('a taken slug is refused with a clear message', async ({ page }) => {
  await signUp(page, 'Tara Taken', uniqueEmail('tara'));
  const first = await createWorkspace(page, 'Slug Clash One');
  await createWorkspace(page, 'Slug Clash Two');
  await page.getByRole('link', { name: 'Settings' }).click();
  await hydrated(page);
  await page.getByLabel('URL slug').fill(first);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('This slug is already taken. Try another.')).toBeVisible();
});
