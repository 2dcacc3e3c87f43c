// An admin's office settings in the browser: creating an office and setting up its
// hours, services, counters and holidays through the plain HTML forms; and a refused
// form that keeps what was typed and says why. Works only on its own office
// (kantah-badung), never on the seeded demo offices the other specs rely on.
import { expect, test, type Page } from '@playwright/test';
import { nik, signInAsAdmin, writeHeaders } from './helpers';

const SLUG = 'kantah-badung';
const SETTINGS = `/admin/kantor/${SLUG}`;

/** Creates kantah-badung through the new-office form on /admin/kantor. */
async function createOffice(page: Page) {
  const form = page.locator('#kantor-baru');
  await form.getByLabel('Alamat halaman').fill(SLUG);
  await form.getByLabel('Nama kantor').fill('Kantor Pertanahan Kabupaten Badung');
  await form.getByLabel('Alamat', { exact: true }).fill('Jl. Raya Sempidi, Mengwi, Badung');
  await form.getByLabel('Zona waktu').selectOption('Asia/Makassar');
  await form.getByRole('button', { name: 'Buat' }).click();
}

/** Adds a service through the new-service form of the settings page. */
async function fillNewService(
  page: Page,
  service: { prefix: string; nameId: string; nameEn: string; quota: string; horizon: string },
) {
  const form = page.locator('#layanan-baru');
  await form.getByLabel('Huruf').fill(service.prefix);
  await form.getByLabel('Nama (Bahasa Indonesia)').fill(service.nameId);
  await form.getByLabel('Nama (Inggris)').fill(service.nameEn);
  await form.getByLabel('Kuota harian').fill(service.quota);
  await form.getByLabel('Dapat dipesan hingga (hari ke depan)').fill(service.horizon);
  await form.getByRole('button', { name: 'Buat' }).click();
}

const LAND_REGISTRATION = {
  prefix: 'A',
  nameId: 'Pendaftaran Tanah',
  nameEn: 'Land Registration',
  quota: '40',
  horizon: '30',
};

/**
 * Opens kantah-badung's settings page as an admin who is already signed in,
 * creating the office and its service A first if an earlier test did not.
 */
async function openBadungSettings(page: Page) {
  await page.goto('/admin/kantor');
  if ((await page.locator(`a[href="${SETTINGS}"]`).count()) === 0) {
    await createOffice(page);
  }
  await page.goto(SETTINGS);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Kantor Pertanahan Kabupaten Badung');
  if ((await page.locator('form[data-service="A"]').count()) === 0) {
    await fillNewService(page, LAND_REGISTRATION);
    await expect(page.locator('form[data-service="A"]')).toBeVisible();
    await page.goto(SETTINGS);
  }
}

test.describe.serial('office settings', () => {
  test('an admin creates an office and sets it up through the settings pages', async ({ page }) => {
    await signInAsAdmin(page);
    await page.getByRole('link', { name: 'Pengaturan kantor' }).click();
    await expect(page).toHaveURL(/\/admin\/kantor$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pengaturan kantor');
    // The seeded offices are listed with their settings and report links.
    await expect(page.locator('a[href="/admin/kantor/kantah-denpasar"]')).toHaveText('Pengaturan');
    await expect(page.locator('a[href="/admin/kantor/kantah-denpasar/laporan"]')).toHaveText('Laporan');

    // A new office lands on its own settings page, saved.
    await createOffice(page);
    await expect(page).toHaveURL(new RegExp(`${SETTINGS}\\?disimpan=kantor#kantor$`));
    await expect(page.locator('#kantor .notice-success')).toHaveText('Tersimpan.');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Kantor Pertanahan Kabupaten Badung');
    await expect(page.locator('#kantor').getByLabel('Zona waktu')).toHaveValue('Asia/Makassar');
    await expect(page.locator('#layanan form[data-service]')).toHaveCount(0);

    // Opening hours: Monday 07:30–14:00.
    const hours = page.locator('#jam-buka');
    const monday = hours.locator('tr[data-weekday="0"]');
    await monday.getByRole('checkbox').check();
    await monday.getByLabel('Buka pukul').fill('07:30');
    await monday.getByLabel('Tutup pukul').fill('14:00');
    await hours.getByRole('button', { name: 'Simpan' }).click();
    await expect(page).toHaveURL(/\?disimpan=jam-buka#jam-buka$/);
    await expect(page.locator('#jam-buka .notice-success')).toHaveText('Tersimpan.');
    await expect(monday.getByLabel('Buka pukul')).toHaveValue('07:30');
    await expect(monday.getByLabel('Tutup pukul')).toHaveValue('14:00');
    await expect(monday.getByRole('checkbox')).toBeChecked();

    // A service: letter A, Land Registration, 40 a day, bookable 30 days ahead.
    await fillNewService(page, LAND_REGISTRATION);
    await expect(page).toHaveURL(/\?disimpan=layanan-baru#layanan-baru$/);
    await expect(page.locator('#layanan-baru .notice-success')).toHaveText('Tersimpan.');
    const service = page.locator('form[data-service="A"]');
    await expect(service.getByLabel('Nama (Bahasa Indonesia)')).toHaveValue('Pendaftaran Tanah');
    await expect(service.getByLabel('Nama (Inggris)')).toHaveValue('Land Registration');
    await expect(service.getByLabel('Kuota harian')).toHaveValue('40');
    await expect(service.getByLabel('Dapat dipesan hingga (hari ke depan)')).toHaveValue('30');
    await expect(service.getByLabel('Aktif')).toBeChecked();

    // A counter calling A.
    const newCounter = page.locator('#loket-baru');
    await newCounter.getByLabel('Nama loket').fill('Loket 1');
    await newCounter.getByLabel('A', { exact: true }).check();
    await newCounter.getByRole('button', { name: 'Buat' }).click();
    await expect(page).toHaveURL(/\?disimpan=loket-baru#loket-baru$/);
    await expect(page.locator('#loket-baru .notice-success')).toHaveText('Tersimpan.');
    const counter = page.locator('div[data-counter="Loket 1"]');
    await expect(counter.getByLabel('Nama loket')).toHaveValue('Loket 1');
    await expect(counter.getByLabel('A', { exact: true })).toBeChecked();
    // Never used yet, so it may still be removed.
    await expect(counter.getByRole('button', { name: 'Hapus' })).toBeVisible();

    // A new office starts with the upcoming national holidays; add New Year's Eve.
    const holidays = page.locator('#libur');
    await expect(holidays.locator('li[data-date="2026-12-25"]')).toContainText('Kelahiran Yesus Kristus');
    await expect(holidays.locator('li[data-date]')).toHaveCount(3);
    await holidays.getByLabel('Tanggal').fill('2026-12-31');
    await holidays.getByLabel('Keterangan').fill('Libur kantor');
    await holidays.getByRole('button', { name: 'Tambah hari libur' }).click();
    await expect(page).toHaveURL(/\?disimpan=libur#libur$/);
    await expect(page.locator('#libur .notice-success')).toHaveText('Tersimpan.');
    await expect(page.locator('#libur li[data-date="2026-12-31"]')).toContainText('Libur kantor');
    await expect(page.locator('#libur li[data-date]')).toHaveCount(4);
    await expect(page.locator('#libur li[data-date="2026-12-31"]').getByRole('button', { name: 'Hapus' })).toBeVisible();

    // The public office page shows the new service and today's (Monday's) hours.
    await page.goto(`/kantor/${SLUG}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Kantor Pertanahan Kabupaten Badung');
    await expect(page.locator('.office-status')).toContainText('07:30–14:00');
    await expect(page.locator('.office-status')).toContainText('WITA');
    await expect(page.locator('.badge')).toHaveText('Sedang buka');
    const cards = page.locator('.service-card');
    await expect(cards).toHaveCount(1);
    const card = page.locator('.service-card[data-service="A"]');
    await expect(card.getByRole('heading', { level: 3 })).toHaveText('Pendaftaran Tanah');
    await expect(card).toContainText('Loket 1');
    await expect(card).toContainText('0/40');
    await expect(card.getByRole('link', { name: 'Daftar' })).toHaveAttribute('href', `/kantor/${SLUG}/daftar?layanan=A`);
  });

  test('a refused settings form keeps what was typed and says why', async ({ page }) => {
    await signInAsAdmin(page);
    await openBadungSettings(page);

    // Tuesday closing before it opens: refused, with the reason on Tuesday's row.
    const hours = page.locator('#jam-buka');
    const tuesday = hours.locator('tr[data-weekday="1"]');
    await tuesday.getByRole('checkbox').check();
    await tuesday.getByLabel('Buka pukul').fill('13:00');
    await tuesday.getByLabel('Tutup pukul').fill('09:00');
    await hours.getByRole('button', { name: 'Simpan' }).click();
    await expect(page).toHaveURL(/[?&]form=jam-buka&/);
    await expect(page.locator('#jam-buka .notice-error')).toHaveText('Belum tersimpan. Periksa isian yang ditandai.');
    await expect(tuesday.locator('.field-error')).toHaveText('Jam tutup harus setelah jam buka.');
    await expect(tuesday.getByLabel('Buka pukul')).toHaveValue('13:00');
    await expect(tuesday.getByLabel('Tutup pukul')).toHaveValue('09:00');
    await expect(tuesday.getByRole('checkbox')).toBeChecked();
    // Only Tuesday is marked; nothing else of the page claims to be saved.
    await expect(hours.locator('.field-error')).toHaveCount(1);
    await expect(page.locator('.notice-success')).toHaveCount(0);

    // Nothing was saved: Tuesday keeps the starting hours.
    await page.goto(SETTINGS);
    await expect(tuesday.getByLabel('Buka pukul')).toHaveValue('08:00');
    await expect(tuesday.getByLabel('Tutup pukul')).toHaveValue('15:00');
    await expect(page.locator('.notice-error')).toHaveCount(0);

    // A second service with the letter A, which is taken.
    await fillNewService(page, {
      prefix: 'A',
      nameId: 'Pengukuran Ulang',
      nameEn: 'Re-measurement',
      quota: '15',
      horizon: '14',
    });
    await expect(page).toHaveURL(/[?&]form=layanan-baru&/);
    const fresh = page.locator('#layanan-baru');
    await expect(fresh.locator('.notice-error')).toHaveText('Belum tersimpan. Periksa isian yang ditandai.');
    await expect(fresh.locator('.field-error')).toHaveText('Huruf ini sudah dipakai layanan lain di kantor ini.');
    await expect(fresh.getByLabel('Huruf')).toHaveValue('A');
    await expect(fresh.getByLabel('Nama (Bahasa Indonesia)')).toHaveValue('Pengukuran Ulang');
    await expect(fresh.getByLabel('Nama (Inggris)')).toHaveValue('Re-measurement');
    await expect(fresh.getByLabel('Kuota harian')).toHaveValue('15');
    await expect(fresh.getByLabel('Dapat dipesan hingga (hari ke depan)')).toHaveValue('14');
    // The existing service A is untouched and still shows what is saved.
    await expect(page.locator('#layanan form[data-service]')).toHaveCount(1);
    const existing = page.locator('form[data-service="A"]');
    await expect(existing.getByLabel('Nama (Bahasa Indonesia)')).toHaveValue('Pendaftaran Tanah');
    await expect(existing.locator('.notice-error')).toHaveCount(0);
  });
});

test('a walk-in-only service shows no booking button, is not offered for booking and refuses an online booking', async ({
  page,
  request,
}) => {
  await signInAsAdmin(page);
  await openBadungSettings(page);
  if ((await page.locator('form[data-service="W"]').count()) === 0) {
    const form = page.locator('#layanan-baru');
    await form.getByLabel('Huruf').fill('W');
    await form.getByLabel('Nama (Bahasa Indonesia)').fill('Legalisir Dokumen');
    await form.getByLabel('Nama (Inggris)').fill('Document legalisation');
    await form.getByLabel('Kuota harian').fill('30');
    await form.getByLabel('Dapat dipesan hingga (hari ke depan)').fill('0');
    await form.getByLabel('Cara mengambil nomor').selectOption({ label: 'Datang langsung saja (kios dan petugas)' });
    await form.getByRole('button', { name: 'Buat' }).click();
    await expect(page.locator('#layanan-baru .notice-success')).toHaveText('Tersimpan.');
  }
  const saved = page.locator('form[data-service="W"]');
  await expect(saved.getByLabel('Cara mengambil nomor')).toHaveValue('walk_in');

  // The office page: W with today's hours and no booking button; A still bookable.
  await page.goto(`/kantor/${SLUG}`);
  const walkIn = page.locator('.service-card[data-service="W"]');
  await expect(walkIn.getByTestId('walk-in-only')).toContainText('Hanya untuk yang datang langsung');
  await expect(walkIn.getByTestId('walk-in-only')).toContainText('07:30–14:00 WITA');
  await expect(walkIn.getByRole('link', { name: 'Daftar' })).toHaveCount(0);
  await expect(page.locator('.service-card[data-service="A"]').getByRole('link', { name: 'Daftar' })).toBeVisible();
  // The booking form does not offer it.
  await page.goto(`/kantor/${SLUG}/daftar?layanan=W`);
  await expect(page.locator('select#service option[value="W"]')).toHaveCount(0);
  await expect(page.locator('select#service option[value="A"]')).toHaveCount(1);

  // A booking sent for it anyway is refused with a 4xx that says why, before
  // any code is sent to the phone.
  const form = { office: SLUG, service: 'W', when: 'today', nik: nik(7301), name: 'Made Wirawan', email: 'made@contoh.id' };
  const refused = await request.post('/api/request_booking_code', {
    headers: writeHeaders(),
    form: { ...form, phone: '081377770001' },
  });
  expect(refused.status()).toBe(409);
  expect(await refused.text()).toContain('WalkInOnly');
  const outbox = await (await request.get('/dev/outbox')).text();
  expect(outbox).not.toContain('data-phone="+6281377770001"');
});

test('an admin reads an office report and downloads it as CSV', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/admin/kantor');
  await page.locator('li', { hasText: 'Kantor Pertanahan Kota Denpasar' }).getByRole('link', { name: 'Laporan' }).click();
  await expect(page).toHaveURL(/\/admin\/kantor\/kantah-denpasar\/laporan$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Laporan layanan — Kantor Pertanahan Kota Denpasar');

  await page.getByLabel('Dari tanggal').fill('2026-11-23');
  await page.getByLabel('Sampai tanggal').fill('2026-11-30');
  await page.getByRole('button', { name: 'Tampilkan' }).click();
  await expect(page.getByTestId('report-period')).toHaveText('Senin, 23 November 2026 – Senin, 30 November 2026');
  const services = page.getByTestId('report-services');
  await expect(services.locator('tr[data-service="A"] th')).toHaveText('A — Pendaftaran Hak dan Peralihan Hak');
  await expect(services.locator('tfoot td').first()).toHaveText(/^\d+$/);

  const download = page.waitForEvent('download');
  await page.getByTestId('report-csv').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('laporan-kantah-denpasar-2026-11-23-2026-11-30.csv');
});
