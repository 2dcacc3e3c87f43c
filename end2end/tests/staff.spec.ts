// Staff in the browser: signing in, booking for a citizen who needs help,
// cancelling with a reason; and a citizen kept out of the staff page.
import { expect, test } from '@playwright/test';
import { nik, signInAsAdmin, signInOverHttp, waitForHydration } from './helpers';

test('a staff member signs in, books for a citizen without a phone, and cancels a ticket with a reason', async ({ page }) => {
  await signInAsAdmin(page);

  const desk = page.locator('section[data-office="disdukcapil-bogor"]');
  await desk.getByLabel('Loket tujuan').selectOption('A');
  await desk.getByLabel('Pilih tanggal').check();
  await desk.getByLabel('Tanggal kedatangan').fill('2026-11-25');
  await desk.getByLabel('NIK').fill(nik(9101));
  await desk.getByLabel('Nama lengkap sesuai KTP').fill('Asep Suherman');
  await desk.getByRole('button', { name: 'Ambil Nomor' }).click();

  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('ticket-number')).toHaveText('A-001');
  await expect(page.getByText('Dibantu petugas')).toBeVisible();
  const code = page.url().split('/').pop()!;

  await page.goto('/petugas');
  await waitForHydration(page);
  await page.getByLabel('Kode tiket (dari alamat halaman tiket)').fill(code);
  await page.getByLabel('Alasan').selectOption('identity_mismatch');
  await page.getByRole('button', { name: 'Batalkan' }).click();
  await expect(page).toHaveURL(new RegExp(`/tiket/${code}$`));
  await expect(page.getByTestId('cancel-reason')).toHaveText('Data tidak sesuai dengan kartu identitas');
});

test('a citizen session cannot open the staff page', async ({ page, context, request }) => {
  const session = await signInOverHttp(request, '081244443333', '+6281244443333');
  const [name, value] = session.split('=');
  await context.addCookies([{ name, value, url: test.info().project.use.baseURL! }]);
  await page.goto('/petugas');
  await expect(page.getByRole('alert')).toContainText('Anda tidak berhak melakukan tindakan ini.');
  await expect(page.locator('section[data-office]')).toHaveCount(0);
});
