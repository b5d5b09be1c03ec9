import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { jsOn, ready, signUpIn, uniqueEmail } from './helpers';

// Every page, checked with axe-core against the WCAG 2.0/2.1 A and AA rules: no
// serious or critical violation anywhere (the calendar's month and week grids
// included: their cells live in rows). axe runs as a script in the page, so this
// runs in the hydrated project; the pages are the same markup without JavaScript.

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

test('no page has a serious or critical accessibility violation', async ({ page }, info) => {
  test.skip(!jsOn(info), 'axe-core runs as a script in the page');
  test.setTimeout(180_000); // twenty pages, each analysed
  for (const path of ['/login', '/signup', '/invite/not-a-real-token-but-43-characters-long-x']) {
    await page.goto(path);
    await ready(page, info);
    expect(await violations(page), path).toEqual([]);
  }
  const slug = await signUpIn(page, info, 'Ally Access', uniqueEmail('ally'));
  const pages = [
    '', '?view=week', '?view=month', '/posts', '/posts/new', '/approvals', '/accounts',
    '/media', '/labels', '/usage', '/activity', '/settings', '/settings/brand', '/team',
    '/overview',
  ].map((p) => `/w/${slug}${p}`);
  pages.push('/workspaces/new', '/agency', '/agency?q=no-such-client');
  for (const path of pages) {
    await page.goto(path);
    await ready(page, info);
    expect(await violations(page), path).toEqual([]);
  }
});
