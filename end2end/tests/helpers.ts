// Shared helpers: valid NIKs, reading SMS codes from the development outbox,
// and signing in and booking through the server functions over HTTP.
import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { sharedOrigin } from '../server';

export const ADMIN_PASSWORD = 'admin-uji-e2e';

/** Headers of a write over HTTP: the server refuses writes that do not say they
 * come from its own pages, as a browser's do. */
export function writeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { Accept: 'application/json', Origin: sharedOrigin, ...extra };
}

/** A valid NIK (Bali, Denpasar) whose serial makes it unique. */
export function nik(serial: number): string {
  return `517101120190${String(serial).padStart(4, '0')}`;
}

/** Resolves once the page's WASM has hydrated. */
export async function waitForHydration(page: Page) {
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** The code in the newest code SMS to `e164`, read from /dev/outbox. */
export async function codeSentTo(request: APIRequestContext, e164: string): Promise<string> {
  const html = await (await request.get('/dev/outbox')).text();
  // The newest SMS with a code: notices to the same phone are passed over.
  const code = html
    .split('<li class="sms"')
    .filter((part) => part.includes(`data-phone="${e164}"`))
    .map((part) => part.match(/#([2-9A-Z]{6})</)?.[1])
    .find((found) => found !== undefined);
  if (!code) throw new Error(`no SMS to ${e164} in the outbox`);
  return code;
}

/** Signs a citizen in over HTTP; returns the session cookie header value. */
export async function signInOverHttp(request: APIRequestContext, phone: string, e164: string) {
  const asked = await request.post('/api/request_sign_in_code', {
    headers: writeHeaders(),
    form: { phone },
  });
  expect(asked.ok()).toBeTruthy();
  const requestId = asked.headers()['location'].replace('/kode/', '');
  const code = await codeSentTo(request, e164);
  const confirmed = await request.post('/api/confirm_code', {
    headers: writeHeaders(),
    form: { request: requestId, code },
  });
  expect(confirmed.ok()).toBeTruthy();
  const cookie = confirmed.headers()['set-cookie'];
  return cookie.split(';')[0];
}

/** Signs the first admin in over HTTP; returns the session cookie header value. */
export async function adminSessionOverHttp(request: APIRequestContext) {
  const response = await request.post('/api/staff_sign_in', {
    headers: writeHeaders(),
    form: { username: 'admin', password: ADMIN_PASSWORD },
  });
  expect(response.ok()).toBeTruthy();
  // The session cookie among those set (a known-device cookie comes with it).
  const session = response.headersArray().find((h) => h.name.toLowerCase() === 'set-cookie' && h.value.startsWith('antrean_session='));
  return session!.value.split(';')[0];
}

/** Books at the desk over HTTP (staff numbers are not held against a phone's
 * caps, so one session can fill a day). */
export async function deskBookOverHttp(
  request: APIRequestContext,
  staffSession: string,
  fields: { office: string; service: string; date: string; serial: number },
) {
  const response = await request.post('/api/staff_book', {
    headers: writeHeaders({ Cookie: staffSession }),
    form: {
      office: fields.office,
      service: fields.service,
      when: 'date',
      date: fields.date,
      nik: nik(fields.serial),
      name: 'Warga Uji',
      email: '',
      phone: '',
    },
  });
  if (!response.ok()) throw new Error(`booking failed: ${response.status()} ${await response.text()}`);
  return response.json();
}

/** Signs in through the staff sign-in page (staff, admin and kiosk accounts alike). */
export async function signInAsStaff(page: Page, username: string, password: string) {
  await page.goto('/petugas/masuk');
  await waitForHydration(page);
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Kata sandi').fill(password);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await expect(page).toHaveURL(/\/petugas$/);
}

/** Signs in as the first admin. */
export async function signInAsAdmin(page: Page) {
  await signInAsStaff(page, 'admin', ADMIN_PASSWORD);
}

let kioskAccounts = 0;

/**
 * Creates a kiosk account for Denpasar through the admin's accounts page (in a
 * context of its own) and returns its username and the initial password shown.
 */
export async function createKioskAccount(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Kelola akun petugas' }).click();
  await expect(page).toHaveURL(/\/admin\/akun$/);
  await waitForHydration(page);
  const username = `kios-${process.pid}-${++kioskAccounts}`;
  await page.getByLabel('Nama pengguna').fill(username);
  await page.getByLabel('Nama lengkap').fill('Kios lobi');
  await page.getByLabel('Peran').selectOption('kiosk');
  await page.getByLabel('Kantor').selectOption('kantah-denpasar');
  await page.getByRole('button', { name: 'Buat akun' }).click();
  const password = await page.getByTestId('password-value').textContent();
  await page.getByRole('link', { name: 'Muat ulang daftar akun' }).click();
  await expect(page.locator(`tr[data-username="${username}"]`)).toContainText('Kios / papan');
  await context.close();
  return { username, password: password! };
}

/** The ids of an office's counters by name, read from the staff desk's links. */
export async function counterIds(page: Page, office: string): Promise<Record<string, string>> {
  await page.goto('/petugas');
  const links = page.locator(`ul.counter-links[data-office="${office}"] a`);
  const ids: Record<string, string> = {};
  for (const link of await links.all()) {
    const name = (await link.textContent())?.match(/Loket \d+/)?.[0];
    const id = (await link.getAttribute('href'))?.match(/\/petugas\/loket\/(\d+)$/)?.[1];
    if (name && id) ids[name] = id;
  }
  return ids;
}

/** One move at a counter over HTTP, as the console makes it; the console's JSON back. */
export async function counterAction(request: APIRequestContext, session: string, counter: string, action: string) {
  const response = await request.post('/api/counter_action', {
    headers: writeHeaders({ Cookie: session }),
    form: { counter, action },
  });
  if (!response.ok()) throw new Error(`${action} at counter ${counter}: ${response.status()} ${await response.text()}`);
  return response.json();
}
