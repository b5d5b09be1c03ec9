import { test, expect } from '@playwright/test';
import { jsOn, ready, screenshot, signUpIn, uniqueEmail } from './helpers';

// The agency dashboard, in both projects (hydrated and without JavaScript): the cards,
// their filter, the finder, the report's CSV, and the way back from a workspace.
test('the agency dashboard lists every client and opens each in one click', async ({ page }, info) => {
  const personal = await signUpIn(page, info, 'Agnes Agency', uniqueEmail('agnes'));
  for (const name of ['Northwind Roasters', 'Harbor Dental']) {
    await page.goto('/workspaces/new');
    await ready(page, info);
    await page.getByLabel('Workspace name').fill(name);
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  }

  // From any workspace, the sidebar leads to all clients.
  await page.getByRole('link', { name: 'All clients' }).click();
  await page.waitForURL(/\/agency$/);
  await ready(page, info);
  await expect(page.getByRole('heading', { name: 'All clients', level: 1 })).toBeVisible();
  await expect(page.getByText('3 workspaces.')).toBeVisible();
  await expect(page.locator('.client-card')).toHaveCount(3);
  await expect(page.locator('#needs')).toContainText('All is well');
  await expect(page.locator('#report')).toContainText('Nothing published yet');
  await expect(page.locator('#activity')).toContainText('created the workspace');
  await screenshot(page, `agency-${jsOn(info) ? 'hydrated' : 'nojs'}`);

  // The cards' filter is a plain form.
  await page.locator('#cards-q').fill('north');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/\/agency\?q=north/);
  await ready(page, info);
  await expect(page.locator('.client-card')).toHaveCount(1);
  await expect(page.locator('.client-card')).toContainText('Northwind Roasters');

  // A card opens its workspace in one click (anywhere on it), or from the keyboard.
  if (jsOn(info)) {
    await page.locator('.client-link', { hasText: 'Northwind Roasters' }).focus();
    await page.keyboard.press('Enter');
  } else {
    await page.locator('.client-card', { hasText: 'Northwind Roasters' }).click();
  }
  await page.waitForURL(/\/w\/northwind-roasters[a-z0-9-]*$/);

  // The finder: Ctrl-K and type with JavaScript, a search form without.
  await page.goto('/agency');
  await ready(page, info);
  if (jsOn(info)) {
    await page.keyboard.press('Control+k');
    await expect(page.locator('#finder-q')).toBeFocused();
    await page.keyboard.type('harb');
    await expect(page.locator('#finder-list').getByRole('option', { name: /Harbor Dental/ })).toBeVisible();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/w\/harbor-dental[a-z0-9-]*$/);
  } else {
    await page.locator('#finder-q').fill('harb');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/agency\?q=harb/);
    await expect(page.locator('.client-card')).toHaveCount(1);
    await expect(page.locator('.client-card')).toContainText('Harbor Dental');
  }

  // The report downloads as CSV.
  const csv = await page.request.get('/agency/report.csv');
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
  expect(await csv.text()).toContain('workspace,slug,week of ');
  expect(personal).not.toBe('');
});

// A post the network refuses shows up in "Needs you", whose link leads to it.
test('a failed post needs you, and the link leads to it', async ({ page }, info) => {
  test.skip(!jsOn(info), 'the same pages are covered without JavaScript above');
  test.setTimeout(300_000);
  await signUpIn(page, info, 'Fay Failure', uniqueEmail('fay'));
  await page.goto('/workspaces/new');
  await ready(page, info);
  await page.getByLabel('Workspace name').fill('Failing Foods');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  const slug = new URL(page.url()).pathname.split('/')[2];

  // A Sandbox account, then a post it refuses ("[fail]"), due within the minute.
  await page.goto(`/w/${slug}/accounts`);
  await ready(page, info);
  await page.getByRole('link', { name: 'Connect Sandbox account' }).click();
  await page.getByLabel('Your Sandbox handle').fill(`failing_${Date.now() % 100000}`);
  await page.getByLabel('Display name').fill('Failing Foods');
  await page.getByRole('button', { name: 'Allow access' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/accounts\\?connected=sandbox$`));
  await page.goto(`/w/${slug}/posts/new`);
  await ready(page, info);
  await page.getByLabel('Post', { exact: true }).fill('[fail] Our new opening hours');
  const minute = 60_000;
  const at = new Date(Math.ceil((Date.now() + 20_000) / minute) * minute).toISOString();
  await page.getByLabel('Date').fill(at.slice(0, 10));
  await page.getByLabel('Time', { exact: true }).fill(at.slice(11, 16));
  await page.getByRole('button', { name: 'Schedule' }).click();
  await page.waitForURL(/\/posts\/[0-9a-f-]{36}\?saved=1$/);
  await expect(page.locator('.status')).toHaveText('Failed', { timeout: 240_000 });

  // The dashboard says so first, and its link opens the failed posts.
  await page.goto('/agency');
  await ready(page, info);
  const item = page.locator('.need', { hasText: 'Failing Foods' }).first();
  await expect(item).toContainText('1 post failed to publish');
  await expect(page.locator('.client-card', { hasText: 'Failing Foods' })).toContainText('1 needs you');
  await screenshot(page, 'agency-needs-you');
  await item.getByRole('link', { name: /Review failed posts/ }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/posts\\?status=failed$`));
  await expect(page.locator('.post-item', { hasText: 'Our new opening hours' })).toBeVisible();
});
