import { test, expect, type Page } from '@playwright/test';
import { uniqueEmail, PASSWORD, screenshot } from './helpers';

// The content flows with JavaScript switched off: every form posts, and the page
// it lands on shows the outcome (a slow phone before the wasm arrives sees the same).
test.use({ javaScriptEnabled: false });

async function signUpWithoutJs(page: Page, name: string): Promise<string> {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work email').fill(uniqueEmail('nojs'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  return new URL(page.url()).pathname.split('/')[2];
}

test('without JavaScript: connect, label, compose with an error then schedule, reschedule', async ({ page }) => {
  const slug = await signUpWithoutJs(page, 'Nora Nojs');
  // The calendar is the home page and renders on the server.
  await expect(page.getByRole('link', { name: 'Month' })).toBeVisible();

  // Connecting is a link and a form on the network's page.
  await page.goto(`/w/${slug}/accounts`);
  await page.getByRole('link', { name: 'Connect Sandbox account' }).click();
  await page.getByLabel('Your Sandbox handle').fill(`nojs_${Date.now() % 100000}`);
  await page.getByRole('button', { name: 'Allow access' }).click();
  await expect(page.getByText('Sandbox account connected.')).toBeVisible();

  // A label: the form posts and the page comes back with it.
  await page.goto(`/w/${slug}/labels`);
  await page.locator('#label-name').fill('Evergreen');
  await page.getByRole('button', { name: 'Add label' }).click();
  await expect(page.locator('.label-list')).toContainText('Evergreen');

  // The composer: an error comes back on its field, then a scheduled post.
  await page.goto(`/w/${slug}/posts/new`);
  await page.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('Write something to post.')).toBeVisible();
  await page.getByLabel('Post', { exact: true }).fill('Posted before any wasm');
  // A past date is refused, and the text comes back as typed.
  await page.getByLabel('Date').fill('2020-01-01');
  await page.getByLabel('Time', { exact: true }).fill('09:30');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('That time is in the past.')).toBeVisible();
  await expect(page.getByLabel('Post', { exact: true })).toHaveValue('Posted before any wasm');
  const at = new Date(Date.now() + 2 * 86_400_000);
  await page.getByLabel('Date').fill(at.toISOString().slice(0, 10));
  await page.getByLabel('Time', { exact: true }).fill('09:30');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await page.waitForURL(/\/posts\/[0-9a-f-]{36}\?saved=1$/);
  await expect(page.locator('.status')).toHaveText('Scheduled');

  // Rescheduling without drag and drop: the post page's form.
  const next = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Date').fill(next);
  await page.getByLabel('Time').fill('11:15');
  await page.getByRole('button', { name: 'Move' }).click();
  await expect(page.locator('.post-status-line')).toContainText(`${next} 11:15`);
  await page.goto(`/w/${slug}?view=week&date=${next}`);
  await expect(page.locator('.chip', { hasText: 'Posted before any wasm' })).toContainText('11:15');
  await screenshot(page, 'calendar-week-nojs');
});
