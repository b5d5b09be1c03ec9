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
