import { test, expect } from '@playwright/test';

// Placeholder: the real specs replace this.
test('home page renders with the Postroom title', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(/Postroom/);
});
