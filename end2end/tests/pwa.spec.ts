// The installable app: a manifest with icons, and a service worker that opens
// the public pages a citizen saw before when the connection is gone.
import { expect, test } from '@playwright/test';
import { ADMIN_PASSWORD, nik, signInOverHttp } from './helpers';
import { startOwnServer } from '../server';

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

// Offline is real here: the test runs a server of its own and kills it. DevTools'
// offline emulation is not used, because it reaches the service worker only once
// Playwright has attached to the worker's target, and a worker started for the
// navigation itself can fetch before that (seen with Debian's Chromium 148: the
// never-visited page was fetched from the network "offline").
test('offline, an office page seen before still opens, and a page never seen or with a name explains the missing connection', async ({
  browser,
}) => {
  const server = await startOwnServer();
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await page.evaluate(async () => navigator.serviceWorker.ready);
    // Now controlled by the service worker, so what it fetches is stored.
    await page.goto('/kantor/kantah-denpasar');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Denpasar');
    // A ticket page (it carries the holder's name) is seen online too.
    const write = { Accept: 'application/json', Origin: server.baseURL };
    const signedIn = await context.request.post('/api/staff_sign_in', {
      headers: write,
      form: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(signedIn.ok()).toBeTruthy();
    const booked = await context.request.post('/api/staff_book', {
      headers: write,
      form: { office: 'kantah-denpasar', service: 'A', when: 'today', nik: nik(9401), name: 'Ni Made Ayu', email: '', phone: '' },
    });
    expect(booked.ok()).toBeTruthy();
    const ticket = `/tiket/${(await booked.json()).code}`;
    await page.goto(ticket);
    await expect(page.getByText('Ni Made Ayu')).toBeVisible();

    await server.stop();
    await page.goto('/kantor/kantah-denpasar');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Denpasar');
    await page.goto('/kantor/disdukcapil-bogor');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
    // Ticket pages (a name) and staff pages are never kept on the device.
    await page.goto(ticket);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
    await page.goto('/petugas/masuk');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tidak ada koneksi internet');
  } finally {
    await context.close();
    await server.stop();
  }
});

test('a signed-in citizen can turn on notifications, and a pushed notice shows as a notification', async ({
  page,
  context,
  request,
  baseURL,
}) => {
  const session = await signInOverHttp(request, '081288889999', '+6281288889999');
  const [name, value] = session.split('=');
  await context.addCookies([{ name, value, url: baseURL! }]);
  await context.grantPermissions(['notifications']);
  await page.goto('/tiket-saya');
  // The worker registers on the page's load event; a push needs it active.
  await page.evaluate(async () => navigator.serviceWorker.ready);
  await expect(page.locator('#push-settings')).toBeVisible();
  await expect(page.getByTestId('push-status')).toHaveText('Notifikasi belum aktif di perangkat ini.');
  await expect(page.getByRole('button', { name: 'Aktifkan notifikasi' })).toBeVisible();

  // Headless Chromium reaches no push service, so the message is handed to the
  // service worker through the DevTools protocol, as a push service would.
  const cdp = await context.newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const live = registrations.find((r) => !r.isDeleted && r.scopeURL === new URL('/', baseURL!).href);
      if (live) resolve(live.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const notice = {
    title: 'Antrean A-001 — Kantor Pertanahan Kota Denpasar',
    body: 'Giliran Anda. Silakan menuju Loket 1.',
    url: '/tiket-saya',
    tag: 'antrean-A-001',
  };
  const push = {
    origin: new URL(baseURL!).origin,
    registrationId: await registrationId,
    data: JSON.stringify(notice),
  };
  // A push service hands a message again until the worker takes it; Chromium
  // now and then drops one handed over right after the worker starts, so the
  // test hands it again too (the tag makes a repeat replace, not add).
  await expect
    .poll(
      async () => {
        await cdp.send('ServiceWorker.deliverPushMessage', push);
        return page.evaluate(async () =>
          (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => `${n.title} | ${n.body}`),
        );
      },
      { intervals: [500, 1000, 2000], timeout: 15_000 },
    )
    .toContain(`${notice.title} | ${notice.body}`);
});
