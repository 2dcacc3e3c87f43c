// The live queue across three browsers: a counter calls the next number, and
// the citizen's ticket page and the office page follow without a reload.
import { expect, test } from '@playwright/test';
import { nik, signInAsAdmin, signInOverHttp, waitForHydration, writeHeaders } from './helpers';

test('a call at the counter reaches the ticket page, the office page and the display board without reloading', async ({ browser, request }) => {
  // A citizen holds a ticket for today at the Bogor office, service C.
  const session = await signInOverHttp(request, '081366667777', '+6281366667777');
  const booked = await request.post('/api/book', {
    headers: writeHeaders({ Cookie: session }),
    form: { office: 'disdukcapil-bogor', service: 'C', when: 'today', nik: nik(9301), name: 'Dewi Lestari', email: 'dewi@contoh.id' },
  });
  const { code, display_number } = await booked.json();

  const citizen = await browser.newContext();
  const ticketPage = await citizen.newPage();
  await ticketPage.goto(`/tiket/${code}`);
  await waitForHydration(ticketPage);
  await expect(ticketPage.locator('[data-live="online"]')).toBeVisible();
  await expect(ticketPage.getByTestId('your-turn')).toHaveCount(0);

  const hall = await browser.newContext();
  const officePage = await hall.newPage();
  await officePage.goto('/kantor/disdukcapil-bogor');
  await waitForHydration(officePage);
  await expect(officePage.locator('ul.service-list[data-live="online"]')).toBeVisible();
  const serviceC = officePage.locator('.service-card[data-service="C"]');
  await expect(serviceC.getByTestId('now-calling')).toHaveText('Belum ada');

  const boardContext = await browser.newContext();
  const board = await boardContext.newPage();
  await signInAsAdmin(board);
  await board.goto('/papan/disdukcapil-bogor');
  await waitForHydration(board);
  await expect(board.locator('.board[data-live="online"]')).toBeVisible();

  const staff = await browser.newContext();
  const console_ = await staff.newPage();
  await signInAsAdmin(console_);
  await console_.locator('ul.counter-links[data-office="disdukcapil-bogor"]').getByRole('link', { name: /Loket 3/ }).click();
  await expect(console_).toHaveURL(/\/petugas\/loket\/\d+$/);
  await waitForHydration(console_);
  await console_.locator('button[data-action="open"]').click();
  await expect(console_.getByTestId('counter-status')).toHaveText('Buka');
  // The keyboard shortcut N calls the next number.
  await console_.keyboard.press('n');
  await expect(console_.getByTestId('current-number')).toHaveText(display_number);

  await expect(ticketPage.getByTestId('your-turn')).toHaveText('Giliran Anda — menuju Loket 3');
  await expect(serviceC.getByTestId('now-calling')).toHaveText(display_number);
  await expect(board.locator('.board-counter[data-counter="Loket 3"]').getByTestId('board-number')).toHaveText(display_number);

  await citizen.close();
  await hall.close();
  await boardContext.close();
  await staff.close();
});
