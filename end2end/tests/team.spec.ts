import { test, expect } from '@playwright/test';
import { createWorkspace, hydrated, signUp, uniqueEmail, screenshot, PASSWORD } from './helpers';

test('the owner invites a client, who joins through the link; then a role change and a removal', async ({ page, browser }) => {
  await signUp(page, 'Olivia Owner', uniqueEmail('olivia'));
  const wsName = 'Harbor Studio';
  const slug = await createWorkspace(page, wsName);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);

  // Settings › Team.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Team' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/settings/team$`));
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(page.locator('tr[data-member]')).toHaveCount(1);
  await expect(page.getByText('No pending invitations.')).toBeVisible();

  // Bad input gets a specific message and invites nobody.
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();

  // No SMTP in e2e: the link is shown once, to copy.
  const clientEmail = uniqueEmail('client');
  await page.getByLabel('Email').fill(clientEmail);
  await page.getByLabel('Role').selectOption('CLIENT');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const linkField = page.getByLabel('Invitation link');
  await expect(linkField).toBeVisible();
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('button', { name: 'Copied ✓' })).toBeVisible();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  expect(link).toBe(await linkField.inputValue());
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  const pending = page.locator(`[data-invite="${clientEmail}"]`);
  await expect(pending).toContainText('Client');
  await expect(pending).toContainText('Invited by Olivia Owner');
  await screenshot(page, 'team-invite');

  // Inviting the same address again is a clear error.
  await page.getByLabel('Email').fill(clientEmail);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText(`${clientEmail} already has a pending invitation.`, { exact: false })).toBeVisible();

  // A second browser, signed out, opens the link and signs up with the fixed email.
  const other = await browser.newContext();
  const guest = await other.newPage();
  await guest.goto(link);
  await hydrated(guest);
  await expect(guest.getByRole('heading', { name: wsName })).toBeVisible();
  await expect(guest.getByText('Olivia Owner invited you to join')).toBeVisible();
  await expect(guest.getByText('as Client')).toBeVisible();
  const fixedEmail = guest.getByLabel('Email');
  await expect(fixedEmail).toHaveValue(clientEmail);
  await expect(fixedEmail).not.toBeEditable();
  await screenshot(guest, 'invite-accept');
  await guest.getByLabel('Your name').fill('Cleo Client');
  await guest.getByLabel('Choose a password').fill(PASSWORD);
  await guest.getByRole('button', { name: 'Create account and join' }).click();

  // Lands in the workspace as a client: only this workspace, no settings.
  await guest.waitForURL(new RegExp(`/w/${slug}$`));
  await expect(guest.locator('.switcher-name')).toHaveText(wsName);
  await expect(guest.locator('.topbar .role-badge')).toHaveText('Client');
  await expect(guest.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await expect(guest.getByRole('link', { name: 'Activity' })).toHaveCount(0);
  await guest.locator('summary[aria-label="Switch workspace"]').click();
  await expect(guest.locator('.switcher-item:not(.new)')).toHaveCount(1);
  await guest.locator('summary[aria-label="Switch workspace"]').click();
  await screenshot(guest, 'client-overview');
  // Any member but the owner can leave, from the account menu.
  await guest.locator('summary[aria-label="Account"]').click();
  await guest.getByText('Leave this workspace…').click();
  await expect(guest.getByRole('button', { name: `Leave ${wsName}` })).toBeVisible();
  await screenshot(guest, 'client-menu');
  await guest.locator('summary[aria-label="Account"]').click();
  for (const path of ['settings', 'settings/team']) {
    const res = await guest.goto(`/w/${slug}/${path}`);
    expect(res?.status()).toBe(403);
    await expect(guest.getByRole('heading', { name: "You don't have access to this page" })).toBeVisible();
    await expect(guest.getByRole('link', { name: 'Team' })).toHaveCount(0);
    await expect(guest.getByRole('button', { name: 'Send invitation' })).toHaveCount(0);
  }
  await screenshot(guest, 'client-forbidden');

  // The link worked once.
  const reused = await guest.goto(link);
  expect(reused?.status()).toBe(410);
  await expect(guest.getByRole('heading', { name: 'This invitation has already been used' })).toBeVisible();
  await screenshot(guest, 'invite-used');

  // The owner sees the new member and makes them an editor.
  await page.reload();
  await hydrated(page);
  const row = page.locator(`tr[data-member="${clientEmail}"]`);
  await expect(row).toContainText('Cleo Client');
  await expect(page.getByText('No pending invitations.')).toBeVisible();
  await row.getByLabel('Role of Cleo Client').selectOption('EDITOR');
  await expect(page.locator('.alert-ok')).toHaveText('Cleo Client is now Editor.');
  await screenshot(page, 'team');

  // The client's next page load reflects it: editors see activity, still no settings.
  await guest.goto(`/w/${slug}`);
  await hydrated(guest);
  await expect(guest.locator('.topbar .role-badge')).toHaveText('Editor');
  await expect(guest.getByRole('link', { name: 'Activity' })).toBeVisible();
  await expect(guest.getByRole('link', { name: 'Settings' })).toHaveCount(0);

  // Removing the member takes effect at once, on their open session.
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('tr[data-member]')).toHaveCount(1);
  await expect(page.locator('.alert-ok')).toHaveText('Member removed. They lost access at once.');
  const gone = await guest.goto(`/w/${slug}`);
  expect(gone?.status()).toBe(404);
  await other.close();

  // The activity log tells the story.
  await page.goto(`/w/${slug}/activity`);
  const log = page.locator('.activity-item');
  await expect(log.nth(0)).toContainText('removed Cleo Client');
  await expect(log.nth(1)).toContainText('changed Cleo Client’s role from Client to Editor');
  await expect(log.nth(2)).toContainText('joined as Client (invited by Olivia Owner)');
});
