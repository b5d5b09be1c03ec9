import { test, expect } from '@playwright/test';
import { ready, signUpIn, uniqueEmail, screenshot } from './helpers';

// Plan limits in the UI (SPEC §3), in both projects: scripts/test serves the app in
// cloud billing mode, where a new account is on Starter — one workspace (its
// personal one) and one member (its owner). Going past either is refused with a
// banner naming the limit, the use and the cap, and the usage page shows the meter
// full and red. Nothing is created.

test('a Starter account at its limits sees the banner and the red meters', async ({ page }, info) => {
  test.skip(!process.env.POSTROOM_E2E_BIN, 'needs the cloud-mode server scripts/test starts');
  const slug = await signUpIn(page, info, 'Stella Starter', uniqueEmail('stella'), 'starter');

  // A second workspace is one more than Starter allows.
  await page.goto('/workspaces/new');
  await ready(page, info);
  await page.getByLabel('Workspace name').fill('One Too Many');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  const banner = page.locator('.alert-limit');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('Plan limit reached: workspaces');
  await expect(banner).toContainText('Your Starter plan allows 1 workspace, and 1 is in use.');
  await expect(banner.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '1');
  await expect(page).toHaveURL(/\/workspaces\/new$/);
  await expect(page.getByLabel('Workspace name')).toHaveValue('One Too Many');
  await screenshot(page, `limit-workspace-${info.project.name}`);

  // The banner leads to the meters: workspaces full, in red.
  await banner.getByRole('link', { name: 'See the usage meters' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/usage$`));
  const workspaces = page.locator('[data-meter="Workspaces"]');
  await expect(workspaces).toHaveClass(/meter-full/);
  await expect(workspaces).toContainText('1 of 1');
  await expect(page.locator('.meter-full')).toHaveCount(2); // workspaces and members
  await screenshot(page, `limit-usage-${info.project.name}`);

  // Inviting anyone needs a second seat.
  await page.goto(`/w/${slug}/settings/team`);
  await ready(page, info);
  await page.getByLabel('Email').fill(uniqueEmail('extra'));
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('Plan limit reached: members');
  await expect(page.getByText('No pending invitations.')).toBeVisible();
});
