// A citizen's way through the app: the office page, taking a number, a full
// date rolling over, validation messages, and the language switch.
import { expect, test } from '@playwright/test';
import { bookOverHttp, nik } from './helpers';

/** Resolves once the page's WASM has hydrated (the hydrate() export has run). */
async function waitForHydration(page: import('@playwright/test').Page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

test('the office page lists every counter with people waiting and the number called, before any JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/kantor/kantah-denpasar');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Kantor Pertanahan Kota Denpasar');
  const cards = page.locator('.service-card');
  await expect(cards).toHaveCount(4);
  await expect(cards.first()).toContainText('Jumlah antrean');
  await expect(cards.first()).toContainText('Nomor panggilan');
  await expect(page.locator('.badge')).toHaveText('Sedang buka');
  await context.close();
});

test('the language switch works in the browser and is remembered across reloads', async ({ page }) => {
  await page.goto('/kantor/kantah-denpasar');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Loket layanan');
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Service counters');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Service counters');
  await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Loket layanan');
});

test('a citizen takes a number for today and lands on the ticket', async ({ page }) => {
  await page.goto('/kantor/kantah-denpasar');
  await waitForHydration(page);
  await page.locator('.service-card[data-service="C"]').getByRole('link', { name: 'Daftar' }).click();
  await expect(page).toHaveURL(/\/kantor\/kantah-denpasar\/daftar\?layanan=C$/);
  await waitForHydration(page);
  await page.getByLabel('Hari ini').check();
  await expect(page.getByLabel('Tanggal kedatangan')).toBeHidden();
  await page.getByLabel('Alamat email').fill('made@contoh.id');
  await page.getByLabel('NIK').fill(nik(9001));
  await page.getByLabel('Nama lengkap sesuai KTP').fill('I Made Wirawan');
  await page.getByLabel('Nomor ponsel').fill('0812 3456 7890');
  await page.getByRole('button', { name: 'Ambil Nomor' }).click();
  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('ticket-number')).toHaveText(/^C-\d{3}$/);
  await expect(page.getByTestId('service-date')).toHaveAttribute('data-date', '2026-11-23');
  await expect(page.getByTestId('people-ahead')).toHaveText('0');
});

test('booking a full date gives the next working day and says why', async ({ page, request }) => {
  // Fill Friday 27 November for service B of the Bogor office (quota 200).
  const bookings = [];
  for (let serial = 1; serial <= 200; serial++) {
    bookings.push(bookOverHttp(request, { office: 'disdukcapil-bogor', service: 'B', date: '2026-11-27', serial }));
  }
  await Promise.all(bookings);

  await page.goto('/kantor/disdukcapil-bogor/daftar?layanan=B');
  await waitForHydration(page);
  await page.getByLabel('Pilih tanggal').check();
  await page.getByLabel('Tanggal kedatangan').fill('2026-11-27');
  await page.getByLabel('Alamat email').fill('siti@contoh.id');
  await page.getByLabel('NIK').fill('3271015505900001');
  await page.getByLabel('Nama lengkap sesuai KTP').fill('Siti Aminah');
  await page.getByLabel('Nomor ponsel').fill('+62 857 1234 5678');
  await page.getByRole('button', { name: 'Ambil Nomor' }).click();

  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  // Saturday and Sunday are skipped: the ticket is for Monday 30 November.
  await expect(page.getByTestId('service-date')).toHaveAttribute('data-date', '2026-11-30');
  await expect(page.getByTestId('rollover')).toHaveText(
    'Kuota Jumat, 27 November 2026 sudah penuh, jadi nomor Anda untuk Senin, 30 November 2026.',
  );
  await expect(page.getByTestId('ticket-number')).toHaveText('B-001');
});

test('a bad NIK is explained next to the field and nothing typed is lost', async ({ page }) => {
  await page.goto('/kantor/kantah-denpasar/daftar?layanan=A');
  await waitForHydration(page);
  await page.getByLabel('Pilih tanggal').check();
  await page.getByLabel('Tanggal kedatangan').fill('2026-11-24');
  await page.getByLabel('Alamat email').fill('budi@contoh.id');
  await page.getByLabel('NIK').fill('1234');
  await page.getByLabel('Nama lengkap sesuai KTP').fill('Budi Santoso');
  await page.getByLabel('Nomor ponsel').fill('081234567890');
  await page.getByRole('button', { name: 'Ambil Nomor' }).click();

  await expect(page.locator('#nik-error')).toHaveText('NIK harus terdiri dari 16 angka.');
  await expect(page.getByLabel('NIK')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('form-error')).toHaveText('Periksa kembali isian yang ditandai.');
  await expect(page).toHaveURL(/\/daftar\?layanan=A$/);
  await expect(page.getByLabel('Nama lengkap sesuai KTP')).toHaveValue('Budi Santoso');
  await expect(page.getByLabel('Alamat email')).toHaveValue('budi@contoh.id');

  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.locator('#nik-error')).toHaveText('The NIK must be exactly 16 digits.');
});

test('the booking form works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/kantor/kantah-denpasar/daftar?layanan=D');
  await page.getByLabel('Pilih tanggal').check();
  await page.getByLabel('Tanggal kedatangan').fill('2026-11-24');
  await page.getByLabel('Alamat email').fill('ketut@contoh.id');
  await page.getByLabel('NIK').fill(nik(9002));
  await page.getByLabel('Nama lengkap sesuai KTP').fill('Ketut Sudarma');
  await page.getByLabel('Nomor ponsel').fill('081298765432');
  await page.getByRole('button', { name: 'Ambil Nomor' }).click();
  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('ticket-number')).toHaveText('D-001');
  await context.close();
});
