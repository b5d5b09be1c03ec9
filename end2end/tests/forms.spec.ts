import { test, expect, type Browser, type Page, type TestInfo } from '@playwright/test';
import { hydrated, jsOn, ready, signUpIn, uniqueEmail, PASSWORD } from './helpers';

// Every flow a form can do, run by both projects (playwright.config.ts): `hydrated`
// (the wasm has loaded: forms update in place) and `no-javascript` (each form posts
// itself, and the page it lands on shows the outcome: post/redirect/get with a
// one-time server-side flash).

async function newPage(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: jsOn(info) });
  return context.newPage();
}

function signUp(page: Page, info: TestInfo, name: string, email: string): Promise<string> {
  return signUpIn(page, info, name, email);
}

async function createWorkspace(page: Page, info: TestInfo, name: string): Promise<string> {
  await page.goto('/workspaces/new');
  await ready(page, info);
  await page.getByLabel('Workspace name').fill(name);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  await expect(page.locator('.switcher-name')).toHaveText(name);
  return new URL(page.url()).pathname.split('/')[2];
}

test('sign up and log in: errors come back with what was typed, then success', async ({ page }, info) => {
  await page.goto('/signup');
  await ready(page, info);
  await page.getByLabel('Your name').fill('Bo Typed');
  await page.getByLabel('Work email').fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.getByLabel('Your name')).toHaveValue('Bo Typed');
  await expect(page.getByLabel('Work email')).toHaveValue('not-an-email');

  const email = uniqueEmail('forms');
  await signUp(page, info, 'Fern Forms', email);
  await page.context().clearCookies();

  await page.goto('/login');
  await ready(page, info);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Email or password is incorrect.');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  // A password never comes back from the server (the hydrated form keeps it in place).
  if (!jsOn(info)) await expect(page.getByLabel('Password')).toHaveValue('');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/w\/[a-z0-9-]+$/);
  await expect(page.locator('.switcher-name')).toHaveText("Fern's workspace");
});

test('create, rename (with an error first), brand, delete a workspace', async ({ page }, info) => {
  await signUp(page, info, 'Wes Workspace', uniqueEmail('wes'));
  const slug = await createWorkspace(page, info, 'Gamma Goods');

  await page.goto(`/w/${slug}/settings`);
  await ready(page, info);
  await page.getByLabel('Name', { exact: true }).fill('');
  await page.getByLabel('Logo URL').fill('not a url at all');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Name is required.')).toBeVisible();
  await expect(page.getByLabel('Logo URL')).toHaveValue('not a url at all');
  await page.getByLabel('Name', { exact: true }).fill('Gamma Goods & Co');
  await page.getByLabel('Logo URL').fill('');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await expect(page.locator('.switcher-name')).toHaveText('Gamma Goods & Co');

  await page.goto(`/w/${slug}/settings/brand`);
  await ready(page, info);
  await page.getByLabel('Tone').fill('Warm and exact');
  await page.getByRole('button', { name: 'Save brand profile' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.goto(`/w/${slug}/settings/brand`);
  await expect(page.getByLabel('Tone')).toHaveValue('Warm and exact');

  await page.goto(`/w/${slug}/settings`);
  await ready(page, info);
  if (!jsOn(info)) {
    // Without script the button cannot wait for the name: the server checks it.
    await page.locator('#confirm-name').fill('Gamma');
    await page.getByRole('button', { name: 'Delete workspace' }).click();
    await expect(page.locator('#confirm-error')).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/w/${slug}/settings$`));
  }
  await page.locator('#confirm-name').fill('Gamma Goods & Co');
  await page.getByRole('button', { name: 'Delete workspace' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith(`/w/${slug}`));
  const gone = await page.goto(`/w/${slug}`);
  expect(gone?.status()).toBe(404);
});

test('invite (the link shown once), accept, re-role, remove', async ({ page, browser }, info) => {
  await signUp(page, info, 'Ivy Inviter', uniqueEmail('ivy'));
  const wsName = 'Delta Designs';
  const slug = await createWorkspace(page, info, wsName);
  const team = `/w/${slug}/settings/team`;
  await page.goto(team);
  await ready(page, info);

  await page.getByLabel('Email').fill('not-an-email');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByText('Enter a valid email address.')).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue('not-an-email');

  const clientEmail = uniqueEmail('cara');
  await page.getByLabel('Email').fill(clientEmail);
  await page.getByLabel('Role').selectOption('CLIENT');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const linkField = page.getByLabel('Invitation link');
  await expect(linkField).toBeVisible();
  const link = await linkField.inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  expect(page.url()).not.toContain('invite/');
  await expect(page.locator(`[data-invite="${clientEmail}"]`)).toContainText('Client');
  // Shown once: a reload no longer has it.
  await page.reload();
  await ready(page, info);
  await expect(page.getByLabel('Invitation link')).toHaveCount(0);
  await expect(page.locator(`[data-invite="${clientEmail}"]`)).toBeVisible();

  const guest = await newPage(browser, info);
  await guest.goto(link);
  await ready(guest, info);
  await guest.getByLabel('Your name').fill('Cara Client');
  await guest.getByLabel('Choose a password').fill(PASSWORD);
  await guest.getByRole('button', { name: 'Create account and join' }).click();
  await guest.waitForURL(new RegExp(`/w/${slug}$`));
  await expect(guest.locator('.topbar .role-badge')).toHaveText('Client');

  await page.goto(team);
  await ready(page, info);
  const row = page.locator(`tr[data-member="${clientEmail}"]`);
  await row.getByLabel('Role of Cara Client').selectOption('EDITOR');
  if (!jsOn(info)) await row.getByRole('button', { name: 'Change role' }).click();
  await expect(page.locator('.alert-ok')).toHaveText('Cara Client is now Editor.');
  await guest.goto(`/w/${slug}`);
  await expect(guest.locator('.topbar .role-badge')).toHaveText('Editor');

  await row.getByRole('button', { name: 'Remove' }).click();
  if (jsOn(info)) await row.getByRole('button', { name: 'Remove' }).click();
  await expect(page.locator('.alert-ok')).toHaveText('Member removed. They lost access at once.');
  await expect(page.locator('tr[data-member]')).toHaveCount(1);
  const removed = await guest.goto(`/w/${slug}`);
  expect(removed?.status()).toBe(404);
  await guest.context().close();
});

test('an invitation sent the instant the page loads, before hydration, still shows its link', async ({ page }, info) => {
  test.skip(!jsOn(info), 'about the moment before the wasm arrives');
  await signUp(page, info, 'Quinn Quick', uniqueEmail('quinn'));
  const slug = await createWorkspace(page, info, 'Epsilon Express');
  // Hold the wasm back until the form has been sent: the page is only its HTML.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\.wasm$/, async (route) => {
    await gate;
    // The first page's request may be gone with its page by then.
    await route.continue().catch(() => {});
  });
  await page.goto(`/w/${slug}/settings/team`, { waitUntil: 'domcontentloaded' });
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(0);
  const email = uniqueEmail('early');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.waitForURL(new RegExp(`/w/${slug}/settings/team$`));
  release();
  const linkField = page.getByLabel('Invitation link');
  await expect(linkField).toBeVisible();
  expect(await linkField.inputValue()).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  // The page then hydrates with the same outcome in place.
  await hydrated(page);
  await expect(linkField).toBeVisible();
  await expect(page.locator(`[data-invite="${email}"]`)).toBeVisible();
});
