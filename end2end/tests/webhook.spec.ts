// An office's webhooks in the browser: an admin adds one through the plain form
// (no WASM on the page), sees its secret once, finds it listed, has a private
// address refused with the reason beside it, and removes it again (so the
// other specs' tickets at kantah-denpasar are told to nobody).
import { expect, test } from '@playwright/test';
import { signInAsAdmin } from './helpers';

const SETTINGS = '/admin/kantor/kantah-denpasar';
const PAGE = `${SETTINGS}/webhook`;
const URL = 'https://hooks.example.com/antrean';

test('an admin adds a webhook, sees its secret once, and finds it listed', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto(SETTINGS);
  await page.getByRole('link', { name: 'Webhook', exact: true }).click();
  await expect(page).toHaveURL(PAGE);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Webhook');

  const form = page.locator('#webhook-baru');
  await form.getByLabel('Alamat (URL)').fill(URL);
  await form.getByLabel('Nomor dibatalkan').uncheck();
  await form.getByRole('button', { name: 'Tambah webhook' }).click();

  await expect(page).toHaveURL(/\/webhook\?rahasia=\d+/);
  const secret = await page.getByTestId('secret').textContent();
  expect(secret).toMatch(/^[0-9a-f]{64}$/);
  await expect(page.getByText('hanya ditampilkan sekali')).toBeVisible();
  const row = page.locator('tr[data-webhook]', { hasText: URL });
  await expect(row).toBeVisible();
  await expect(row).toContainText('ticket.issued');
  await expect(row).not.toContainText('ticket.cancelled');
  await expect(row.getByTestId('last-result')).toHaveText('Belum pernah dikirim');

  // Shown once: the same address again shows the webhook, not its secret.
  await page.reload();
  await expect(page.locator('tr[data-webhook]', { hasText: URL })).toBeVisible();
  await expect(page.getByTestId('secret')).toHaveCount(0);
  expect(await page.content()).not.toContain(secret!);

  // An address inside a network is refused, with the reason beside it and the address kept.
  await form.getByLabel('Alamat (URL)').fill('https://10.0.0.1/hook');
  await form.getByRole('button', { name: 'Tambah webhook' }).click();
  await expect(form.locator('.field-error')).toContainText('port 443');
  await expect(form.getByLabel('Alamat (URL)')).toHaveValue('https://10.0.0.1/hook');

  await page.locator('tr[data-webhook]', { hasText: URL }).getByRole('button', { name: 'Hapus' }).click();
  await expect(page.getByText('Webhook dihapus.')).toBeVisible();
  await expect(page.locator('tr[data-webhook]', { hasText: URL })).toHaveCount(0);
});
