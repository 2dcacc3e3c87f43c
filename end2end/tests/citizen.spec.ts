// A citizen's way through the app: the office page, taking a number, a full
// date rolling over, validation messages, and the language switch.
import { expect, test } from '@playwright/test';
import { adminSessionOverHttp, codeSentTo, deskBookOverHttp, nik, waitForHydration } from './helpers';

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
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Service counters');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Service counters');
  await page.getByRole('link', { name: 'Bahasa Indonesia' }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText('Loket layanan');
});

test('a citizen registers with an SMS code, gets the ticket, stays signed in, and signs out', async ({ page }) => {
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
  await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();

  await expect(page).toHaveURL(/\/kode\/[0-9a-f]{32}$/);
  await expect(page.getByTestId('masked-phone')).toHaveText('+62 812-****-7890');
  await expect(page.getByLabel('Kode akses')).toHaveAttribute('autocomplete', 'one-time-code');
  const code = await codeSentTo(page.request, '+6281234567890');
  await page.getByLabel('Kode akses').fill(code);
  await page.getByRole('button', { name: 'Lanjut' }).click();

  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('ticket-number')).toHaveText(/^C-\d{3}$/);
  await expect(page.getByTestId('service-date')).toHaveAttribute('data-date', '2026-11-23');
  await expect(page.getByTestId('people-ahead')).toHaveText('0');

  await page.reload();
  await expect(page.getByRole('link', { name: 'Tiket saya' })).toBeVisible();
  await page.getByRole('link', { name: 'Tiket saya' }).click();
  await expect(page.locator('.my-ticket')).toHaveCount(1);
  await page.getByRole('button', { name: 'Keluar' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Masuk' })).toBeVisible();
});

test('five wrong codes kill the code, and the right one no longer works', async ({ page }) => {
  await page.goto('/kantor/kantah-denpasar/daftar?layanan=A');
  await waitForHydration(page);
  await page.getByLabel('Pilih tanggal').check();
  await page.getByLabel('Tanggal kedatangan').fill('2026-11-24');
  await page.getByLabel('Alamat email').fill('wayan@contoh.id');
  await page.getByLabel('NIK').fill(nik(9003));
  await page.getByLabel('Nama lengkap sesuai KTP').fill('Wayan Darma');
  await page.getByLabel('Nomor ponsel').fill('081377778888');
  await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();
  await expect(page).toHaveURL(/\/kode\//);
  await waitForHydration(page);
  const right = await codeSentTo(page.request, '+6281377778888');
  for (const left of [4, 3, 2, 1]) {
    await page.getByLabel('Kode akses').fill('ZZZZZZ');
    await page.getByRole('button', { name: 'Lanjut' }).click();
    await expect(page.getByTestId('form-error')).toHaveText(`Kode akses salah. Sisa percobaan: ${left}.`);
  }
  await page.getByLabel('Kode akses').fill('ZZZZZZ');
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('Kode akses sudah tidak berlaku. Silakan minta kode baru.');
  await page.getByLabel('Kode akses').fill(right);
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('Kode akses sudah tidak berlaku. Silakan minta kode baru.');
  await expect(page).toHaveURL(/\/kode\//);
});

test('booking a full date gives the next working day and says why', async ({ page, request }) => {
  // Fill Friday 27 November for service B of the Bogor office (quota 200) at the desk.
  const staff = await adminSessionOverHttp(request);
  const bookings = [];
  for (let serial = 1; serial <= 200; serial++) {
    bookings.push(deskBookOverHttp(request, staff, { office: 'disdukcapil-bogor', service: 'B', date: '2026-11-27', serial }));
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
  await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();
  await expect(page).toHaveURL(/\/kode\//);
  await page.getByLabel('Kode akses').fill(await codeSentTo(page.request, '+6285712345678'));
  await page.getByRole('button', { name: 'Lanjut' }).click();

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
  // Once hydrated, the form is sent by the page itself: the page stays, and so does this mark.
  await page.evaluate(() => Object.assign(window, { stayed: true }));
  await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();

  await expect(page.locator('#nik-error')).toHaveText('NIK harus terdiri dari 16 angka.');
  expect(await page.evaluate(() => 'stayed' in window)).toBe(true);
  await expect(page.getByLabel('NIK')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('form-error')).toHaveText('Periksa kembali isian yang ditandai.');
  await expect(page).toHaveURL(/\/daftar\?layanan=A$/);
  await expect(page.getByLabel('Nama lengkap sesuai KTP')).toHaveValue('Budi Santoso');
  await expect(page.getByLabel('Alamat email')).toHaveValue('budi@contoh.id');

  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Take a queue number');
  await waitForHydration(page);
  await page.getByLabel('NIK (national ID number)').fill('1234');
  await page.getByRole('button', { name: 'Send access code' }).click();
  await expect(page.locator('#nik-error')).toHaveText('The NIK must be exactly 16 digits.');
  await page.getByRole('link', { name: 'Bahasa Indonesia' }).click();
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
  await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();
  await expect(page).toHaveURL(/\/kode\/[0-9a-f]{32}$/);
  await page.getByLabel('Kode akses').fill(await codeSentTo(page.request, '+6281298765432'));
  await page.getByRole('button', { name: 'Lanjut' }).click();
  await expect(page).toHaveURL(/\/tiket\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('ticket-number')).toHaveText('D-001');
  await context.close();
});
