import { test, expect, type Page } from '@playwright/test';
import { createWorkspace, hydrated, signUp, uniqueEmail, screenshot, PASSWORD } from './helpers';

/** Connects a Sandbox account through the consent page; lands back on Accounts. */
async function connectSandbox(page: Page, slug: string, handle: string): Promise<void> {
  await page.goto(`/w/${slug}/accounts`);
  await hydrated(page);
  await page.getByRole('link', { name: 'Connect Sandbox account' }).click();
  await expect(page.getByRole('heading', { name: 'Postroom wants to post for you' })).toBeVisible();
  await page.getByLabel('Your Sandbox handle').fill(handle);
  await page.getByLabel('Display name').fill('Harbor Main');
  await page.getByRole('button', { name: 'Allow access' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/accounts\\?connected=sandbox$`));
  await expect(page.getByText('Sandbox account connected.')).toBeVisible();
  await expect(page.getByText(`@${handle}`)).toBeVisible();
}

/** A small valid PNG (8×8, teal). */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGPgndKBFTEMLQkA5KxKQUOZlFYAAAAASUVORK5CYII=',
  'base64',
);

/** The workspace runs on UTC by default; a time three minutes ahead (120–180 s away). */
function soon(): { date: string; time: string; day: number } {
  return at(new Date(Date.now() + 3 * 60_000));
}

/** The first whole minute at least 20 s away: the post is due shortly after the last step. */
function due(): { date: string; time: string; day: number } {
  const minute = 60_000;
  return at(new Date(Math.ceil((Date.now() + 20_000) / minute) * minute));
}

function at(when: Date): { date: string; time: string; day: number } {
  const date = when.toISOString().slice(0, 10);
  const time = when.toISOString().slice(11, 16);
  return { date, time, day: when.getUTCDate() };
}

test('connect, compose with a label and the default signature, see it on the calendar, drag it, publish it', async ({ page }) => {
  test.setTimeout(330_000);
  await signUp(page, 'Paula Publisher', uniqueEmail('paula'));
  const slug = await createWorkspace(page, 'Harbor Content');
  const handle = `harbor_${Date.now() % 100000}`;
  await connectSandbox(page, slug, handle);
  await screenshot(page, 'accounts');

  // An image in the media library (a plain multipart form).
  await page.getByRole('link', { name: 'Media' }).click();
  await page.getByLabel('Image or video').setInputFiles({ name: 'harbor.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByText('Uploaded. Attach it to a post from the composer.')).toBeVisible();
  await expect(page.locator('.media-tile')).toContainText('harbor.png');
  // A file that is not an image is refused by its bytes, whatever its name.
  await page.getByLabel('Image or video').setInputFiles({ name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await expect(page.getByText('that file is none of them')).toBeVisible();
  await expect(page.locator('.media-tile')).toHaveCount(1);
  await screenshot(page, 'media');

  // A label and a default signature.
  await page.getByRole('link', { name: 'Labels' }).click();
  await hydrated(page);
  await page.getByLabel('Name').first().fill('Launch');
  await page.getByRole('button', { name: 'Add label' }).click();
  await expect(page.locator('.label-list')).toContainText('Launch');
  await page.locator('#sig-name').fill('Team sign-off');
  await page.locator('#sig-body').fill('— The Harbor team');
  await page.getByLabel('Use by default').last().check();
  await page.getByRole('button', { name: 'Add signature' }).click();
  await expect(page.locator('.signature-list')).toContainText('— The Harbor team');

  // Compose: empty content is refused with a message on the field.
  await page.goto(`/w/${slug}/posts/new`);
  await hydrated(page);
  await expect(page.getByLabel('Signature')).toHaveValue(/.+/); // the default is preselected
  await page.getByRole('button', { name: 'Schedule' }).click();
  await expect(page.getByText('Write something to post.')).toBeVisible();
  await page.getByLabel('Post', { exact: true }).fill('Harbor is live on Sandbox!');
  await expect(page.locator('.counts')).toContainText('Sandbox:');
  await expect(page.locator('.preview-text')).toContainText('— The Harbor team');
  await page.getByText('Launch', { exact: true }).click();
  await page.locator('.media-option input').check();
  const when = soon();
  await page.getByLabel('Date').fill(when.date);
  await page.getByLabel('Time', { exact: true }).fill(when.time);
  await screenshot(page, 'composer');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/posts/[0-9a-f-]{36}\\?saved=1$`));
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.locator('.status')).toHaveText('Scheduled');
  await expect(page.locator('.post-media img')).toBeVisible();

  // On the calendar, week and month.
  await page.goto(`/w/${slug}/calendar?view=week`);
  await hydrated(page);
  const chip = page.locator('.chip', { hasText: 'Harbor is live' });
  await expect(chip).toBeVisible();
  await expect(chip).toContainText(when.time);
  await screenshot(page, 'calendar-week');
  await page.getByRole('link', { name: 'Month' }).click();
  await hydrated(page);
  await expect(page.locator(`.day[data-date="${when.date}"] .chip`)).toContainText('Harbor is live');
  await screenshot(page, 'calendar-month');

  // Drag it to the next day (after hydration), then back before it is due.
  const next = new Date(Date.parse(when.date + 'T00:00:00Z') + 86_400_000).toISOString().slice(0, 10);
  const target = page.locator(`.day[data-date="${next}"]`);
  if (await target.count()) {
    await page.locator(`.day[data-date="${when.date}"] .chip`).dragTo(target);
    await expect(target.locator('.chip')).toContainText('Harbor is live');
    await expect(page.locator(`.day[data-date="${when.date}"] .chip`)).toHaveCount(0);
    await target.locator('.chip').click();
  } else {
    await chip.click();
  }
  // The reschedule form (works without JavaScript too) moves it to the next minute
  // (the worker publishes it then; nobody waits three minutes for it).
  const publishAt = due();
  await page.getByLabel('Date').fill(publishAt.date);
  await page.getByLabel('Time').fill(publishAt.time);
  await page.getByRole('button', { name: 'Move' }).click();
  await expect(page.locator('.post-status-line')).toContainText(`${publishAt.date} ${publishAt.time}`);

  // The worker publishes it; the page follows along and shows the permalink.
  await expect(page.locator('.status')).toHaveText('Published', { timeout: 240_000 });
  const permalink = page.getByRole('link', { name: 'View post ↗' });
  await expect(permalink).toBeVisible();
  await screenshot(page, 'post-published');
  await permalink.click();
  await expect(page.getByText('Harbor is live on Sandbox!')).toBeVisible();
  await expect(page.getByText('— The Harbor team')).toBeVisible();
  await page.goto(`/w/${slug}/calendar?view=list`);
  await hydrated(page);
  await expect(page.locator('.post-item')).toContainText('Published');
  await screenshot(page, 'calendar-list');
});

test('client approval: the client approves one post and sends another back', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signUp(page, 'Olga Owner', uniqueEmail('olga'));
  const slug = await createWorkspace(page, 'Approval Co');
  await connectSandbox(page, slug, `appr_${Date.now() % 100000}`);
  await page.goto(`/w/${slug}/settings/publishing`);
  await hydrated(page);
  await page.getByLabel('Posts need client approval before they are published').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  // Invite a client and let them join in a second browser.
  await page.goto(`/w/${slug}/settings/team`);
  await hydrated(page);
  const clientEmail = uniqueEmail('cleo');
  await page.getByLabel('Email').fill(clientEmail);
  await page.getByLabel('Role').selectOption('CLIENT');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const link = await page.getByLabel('Invitation link').inputValue();

  for (const text of ['Spring campaign teaser', 'Price list for summer']) {
    await page.goto(`/w/${slug}/posts/new`);
    await hydrated(page);
    await page.getByLabel('Post', { exact: true }).fill(text);
    const at = new Date(Date.now() + 3 * 86_400_000);
    await page.getByLabel('Date').fill(at.toISOString().slice(0, 10));
    await page.getByLabel('Time', { exact: true }).fill('10:00');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.waitForURL(/\/posts\/[0-9a-f-]{36}\?saved=1$/);
    await expect(page.locator('.status')).toHaveText('Awaiting approval');
  }

  const other = await browser.newContext();
  const client = await other.newPage();
  await client.goto(link);
  await hydrated(client);
  await client.getByLabel('Your name').fill('Cleo Client');
  await client.getByLabel('Choose a password').fill(PASSWORD);
  await client.getByRole('button', { name: 'Create account and join' }).click();
  await client.waitForURL(new RegExp(`/w/${slug}`));
  await client.getByRole('link', { name: 'Approvals' }).click();
  await hydrated(client);
  await expect(client.getByRole('heading', { name: 'Posts waiting for you' })).toBeVisible();
  await expect(client.locator('.approval')).toHaveCount(2);
  await screenshot(client, 'approvals');
  const first = client.locator('.approval', { hasText: 'Spring campaign teaser' });
  await first.getByRole('button', { name: '✓ Approve' }).click();
  await expect(client.getByText('Approved. It will be published at its time.')).toBeVisible();
  await expect(client.locator('.approval')).toHaveCount(1);
  const second = client.locator('.approval', { hasText: 'Price list for summer' });
  await second.getByText('Request changes').click();
  await second.getByLabel('What should change?').fill('Please add the new prices');
  await second.getByRole('button', { name: 'Send back' }).click();
  await expect(client.getByText('All caught up')).toBeVisible();
  await other.close();

  // The author sees the outcome: one scheduled, one back in draft with the comment.
  await page.goto(`/w/${slug}/posts`);
  await hydrated(page);
  await expect(page.locator('.post-item', { hasText: 'Spring campaign teaser' })).toContainText('Scheduled');
  await page.locator('.post-item', { hasText: 'Price list for summer' }).getByRole('link').click();
  await expect(page.getByText('Please add the new prices')).toBeVisible();
  await expect(page.locator('.status')).toHaveText('Draft');
});
