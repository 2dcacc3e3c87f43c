// Staff in the browser: signing in, booking for a citizen who needs help,
// cancelling with a reason; and a citizen kept out of the staff page.
import { expect, test } from '@playwright/test';
import { createKioskAccount, nik, signInAsAdmin, signInAsStaff, signInOverHttp, waitForHydration } from './helpers';

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

test('an admin resets a password and disables an account; the disabled account cannot sign in', async ({
  browser,
  page,
}) => {
  const kiosk = await createKioskAccount(browser);
  await signInAsAdmin(page);
  await page.goto('/admin/akun');
  await waitForHydration(page);
  const row = page.locator(`tr[data-username="${kiosk.username}"]`);
  await row.getByRole('button', { name: 'Atur ulang kata sandi' }).click();
  await expect(page.getByTestId('initial-password')).toContainText(kiosk.username);
  const fresh = await page.getByTestId('password-value').textContent();
  expect(fresh).not.toEqual(kiosk.password);
  await row.getByRole('button', { name: 'Nonaktifkan' }).click();
  await expect(page.locator(`tr[data-username="${kiosk.username}"]`).getByTestId('account-status')).toHaveText('Nonaktif');

  const other = await browser.newContext();
  const device = await other.newPage();
  await device.goto('/petugas/masuk');
  await waitForHydration(device);
  await device.getByLabel('Nama pengguna').fill(kiosk.username);
  await device.getByLabel('Kata sandi').fill(fresh!);
  await device.getByRole('button', { name: 'Masuk' }).click();
  await expect(device.getByRole('alert')).toContainText('Nama pengguna atau kata sandi salah');
  await other.close();
});

test('the accounts page explains a refused account in the admin language', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/admin/akun');
  await waitForHydration(page);
  await page.getByLabel('Nama pengguna').fill('X');
  await page.getByLabel('Kata sandi').fill('pendek');
  await page.getByRole('button', { name: 'Buat akun' }).click();
  await expect(page.locator('#username-error')).toContainText('3–32 huruf kecil');
  await expect(page.locator('#full_name-error')).toHaveText('Wajib diisi.');
  await expect(page.locator('#password-error')).toContainText('minimal 10 karakter');
  await expect(page.getByLabel('Nama pengguna')).toHaveValue('X');
});

test('a staff account changes its own password on the desk', async ({ browser, page }) => {
  const kiosk = await createKioskAccount(browser);
  await signInAsStaff(page, kiosk.username, kiosk.password);
  await waitForHydration(page);
  await page.getByLabel('Kata sandi saat ini').fill('bukan sandinya');
  await page.getByLabel('Kata sandi baru').fill('sandi baru kios lobi');
  await page.getByRole('button', { name: 'Ganti kata sandi' }).click();
  await expect(page.locator('#current_password-error')).toHaveText('Kata sandi saat ini salah.');
  await page.getByLabel('Kata sandi saat ini').fill(kiosk.password);
  await page.getByRole('button', { name: 'Ganti kata sandi' }).click();
  await expect(page.getByText('Kata sandi sudah diganti.')).toBeVisible();

  const other = await browser.newContext();
  const device = await other.newPage();
  await signInAsStaff(device, kiosk.username, 'sandi baru kios lobi');
  await other.close();
});
