// Kiosk screens: the display board follows calls live, and the self-service
// page issues a walk-in number with a printable receipt.
import { expect, test } from '@playwright/test';
import { createKioskAccount, signInAsAdmin, signInAsStaff, waitForHydration } from './helpers';

test('a kiosk account made on the accounts page opens the kiosk, which issues a walk-in number with a QR receipt', async ({
  browser,
  page,
}) => {
  const kiosk = await createKioskAccount(browser);
  await signInAsStaff(page, kiosk.username, kiosk.password);
  // A kiosk device sees its screens, not the counters.
  await expect(page.locator('ul.counter-links[data-office="kantah-denpasar"] a')).toHaveText([
    'Papan antrean',
    'Ambil nomor mandiri',
  ]);
  await page.getByRole('link', { name: 'Ambil nomor mandiri' }).click();
  await expect(page).toHaveURL(/\/kiosk\/kantah-denpasar$/);
  await waitForHydration(page);
  await page.locator('.kiosk-button[data-service="B"]').click();
  await expect(page).toHaveURL(/\/kiosk\/kantah-denpasar\/struk\/[A-Z0-9]{10}$/);
  await expect(page.getByTestId('receipt-number')).toHaveText(/^B-\d{3}$/);
  await expect(page.getByTestId('receipt-qr').locator('svg')).toBeVisible();
  const code = page.url().split('/').pop();
  await page.goto(`/tiket/${code}`);
  await expect(page.getByText('Datang langsung')).toBeVisible();
});

test('a bad NIK at the kiosk is explained and no number is issued', async ({ page }) => {
  await signInAsAdmin(page);
  await page.goto('/kiosk/kantah-denpasar');
  await waitForHydration(page);
  await page.getByLabel('NIK (boleh dikosongkan)').fill('123');
  await page.locator('.kiosk-button[data-service="B"]').click();
  await expect(page.getByTestId('kiosk-error')).toHaveText('Periksa kembali isian yang ditandai.');
  await expect(page).toHaveURL(/\/kiosk\/kantah-denpasar$/);
});

test('the display board shows a new call without reloading', async ({ browser }) => {
  const device = await createKioskAccount(browser);
  const boardContext = await browser.newContext();
  const board = await boardContext.newPage();
  await signInAsStaff(board, device.username, device.password);
  await board.goto('/papan/kantah-denpasar');
  await waitForHydration(board);
  await expect(board.locator('.board[data-live="online"]')).toBeVisible();
  await expect(board.getByTestId('board-clock')).toHaveText(/\d\d:\d\d:\d\d WITA/);

  const staffContext = await browser.newContext();
  const kiosk = await staffContext.newPage();
  await signInAsAdmin(kiosk);
  await kiosk.goto('/kiosk/kantah-denpasar');
  await waitForHydration(kiosk);
  await kiosk.locator('.kiosk-button[data-service="D"]').click();
  await expect(kiosk.getByTestId('receipt-number')).toHaveText(/^D-\d{3}$/);
  const number = await kiosk.getByTestId('receipt-number').textContent();

  await kiosk.goto('/petugas');
  await kiosk.locator('ul.counter-links[data-office="kantah-denpasar"]').getByRole('link', { name: /Loket 4/ }).click();
  await waitForHydration(kiosk);
  await kiosk.locator('button[data-action="open"]').click();
  await expect(kiosk.getByTestId('counter-status')).toHaveText('Buka');
  await kiosk.locator('button[data-action="call_next"]').click();

  const loket4 = board.locator('.board-counter[data-counter="Loket 4"]');
  await expect(loket4.getByTestId('board-number')).toHaveText(number!);
  await expect(loket4).toHaveClass(/flash/);
  await expect(board.getByTestId('board-recent').locator('li').first()).toContainText(`${number} → Loket 4`);
  await boardContext.close();
  await staffContext.close();
});
