import { chromium } from '@playwright/test';
const base = 'http://127.0.0.1:3500';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
await page.goto(base + '/login');
await page.getByLabel('Email').fill('demo@postroom.test');
await page.getByLabel('Password').fill('postroom-demo');
await page.getByRole('button', { name: 'Log in' }).click();
await page.waitForTimeout(1500);
const slug = 'acme-coffee-roasters';
for (const [name, path] of [['month', '/calendar'], ['week', '/calendar?view=week'], ['list', '/calendar?view=list'], ['approvals', '/approvals'], ['accounts', '/accounts'], ['labels', '/labels'], ['composer', '/posts/new']]) {
  await page.goto(`${base}/w/${slug}${path}`);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
}
await browser.close();
