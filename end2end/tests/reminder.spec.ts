// The reminder the evening before a booked day: booked in the afternoon, the
// server down over the reminder hour and back after it, the reminder SMS still
// comes, and its link cancels the number after asking.
import { expect, test } from '@playwright/test';
import { startOwnServer, type OwnServer } from '../server';
import { ADMIN_PASSWORD, nik } from './helpers';

/** A write to a server of the test's own, as its own pages send it. */
async function post(server: OwnServer, endpoint: string, form: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    Origin: server.baseURL,
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  if (cookie) headers.Cookie = cookie;
  return fetch(`${server.baseURL}/api/${endpoint}`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
}

test('the evening before, the reminder SMS links to a page that cancels the number after asking', async ({ page }) => {
  // Monday 23 November, 17:00 WITA: a number for Tuesday is taken at the desk.
  const afternoon = await startOwnServer({ ANTREAN_NOW: '2026-11-23T17:00:00+08:00' });
  let evening: OwnServer | undefined;
  try {
    const signedIn = await post(afternoon, 'staff_sign_in', { username: 'admin', password: ADMIN_PASSWORD });
    const session = (signedIn.headers.getSetCookie().find((c) => c.startsWith('antrean_session=')) ?? '').split(';')[0];
    expect(session).not.toBe('');
    const booked = await post(
      afternoon,
      'staff_book',
      {
        office: 'kantah-denpasar',
        service: 'A',
        when: 'date',
        date: '2026-11-24',
        nik: nik(7001),
        name: 'Ni Made Ayu Lestari',
        phone: '081299990001',
      },
      session,
    );
    expect(booked.ok).toBeTruthy();
    const code = (await booked.json()).code as string;

    // The server is down at 18:00 and back at 18:05: the reminder still goes, once.
    await afternoon.stop(true);
    evening = await startOwnServer({ ANTREAN_NOW: '2026-11-23T18:05:00+08:00' }, afternoon.dataDir);
    let link = '';
    await expect
      .poll(
        async () => {
          const outbox = await (await fetch(`${evening!.baseURL}/dev/outbox`)).text();
          link = outbox.match(/(http:\/\/[^\s<]+\/batal\/[^\s<]+)/)?.[1] ?? '';
          return link;
        },
        { timeout: 15_000 },
      )
      .toContain(`/batal/${code}.`);

    await page.goto(link);
    await expect(page.getByRole('heading', { name: 'Batalkan nomor antrean' })).toBeVisible();
    await expect(page.getByTestId('ticket-number')).toHaveText('A-001');
    await expect(page.getByText('Selasa, 24 November 2026')).toBeVisible();
    // Opening the link cancelled nothing.
    await expect(page.locator('.ticket-state')).toHaveText('Menunggu');
    await page.getByRole('button', { name: 'Ya, batalkan nomor ini' }).click();
    await expect(page).toHaveURL(new RegExp(`/tiket/${code}$`));
    await expect(page.locator('.ticket-state')).toHaveText('Dibatalkan');

    // The link is spent: opening it again says so.
    await page.goto(link);
    await expect(page.getByText('Nomor ini tidak dapat dibatalkan lagi.')).toBeVisible();
  } finally {
    await evening?.stop();
    await afternoon.stop();
  }
});
