// The installable app: a manifest with icons, and a service worker that opens
// the public pages a citizen saw before when the connection is gone.
import { expect, test } from '@playwright/test';

test('the app is installable: a manifest with its icons and a service worker for the whole site', async ({ page }) => {
  await page.goto('/');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await (await page.request.get(href!)).json();
  expect(manifest.start_url).toBe('/');
  expect(manifest.display).toBe('standalone');
  for (const icon of manifest.icons) {
    const response = await page.request.get(icon.src);
    expect(response.ok(), icon.src).toBeTruthy();
    expect(response.headers()['content-type']).toBe(icon.type);
  }
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toBe(new URL('/', page.url()).href);
});

test('offline, an office page seen before still opens, and a page never seen explains the missing connection', async ({
  page,
  context,
}) => {
  await page.goto('/');
  await page.evaluate(async () => navigator.serviceWorker.ready);
  // Now controlled by the service worker, so what it fetches is stored.
  await page.goto('/kantor/kantah-denpasar');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Denpasar');

  await context.setOffline(true);
  await page.goto('/kantor/kantah-denpasar');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Denpasar');
  await page.goto('/kantor/disdukcapil-bogor');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
  // Staff pages are never kept on the device.
  await page.goto('/petugas/masuk');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
  await context.setOffline(false);
  await page.goto('/kantor/disdukcapil-bogor');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Bogor');
});
