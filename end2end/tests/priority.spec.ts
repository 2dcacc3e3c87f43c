// Priority lines: a number the kiosk issues for an elderly citizen (after they
// confirm it) is called before older ordinary numbers under "priority first",
// is marked on the receipt and the console, and an ordinary number that has
// waited the office's longest wait goes first whatever the policy.
import { expect, test, type Page } from '@playwright/test';
import { adminSessionOverHttp, counterAction, counterIds, signInAsAdmin, waitForHydration } from './helpers';

const OFFICE = 'disdukcapil-bogor';

/** Sets the office's priority rule on its settings page. */
async function setPriority(page: Page, maxWait: string) {
  await page.goto(`/admin/kantor/${OFFICE}`);
  const form = page.locator('section#prioritas');
  await form.getByLabel('Lansia').check();
  await form.getByLabel('Aturan pemanggilan').selectOption('first');
  await form.getByLabel('Waktu tunggu terlama nomor biasa (menit)').fill(maxWait);
  await form.getByRole('button', { name: 'Simpan' }).click();
  await expect(page.locator('section#prioritas .notice-success')).toHaveText('Tersimpan.');
  await expect(page.locator('section#prioritas').getByLabel('Waktu tunggu terlama nomor biasa (menit)')).toHaveValue(
    maxWait,
  );
}

/** Takes a number for service C at the kiosk, as elderly when `elderly`; its number. */
async function takeNumber(page: Page, elderly: boolean): Promise<string> {
  await page.goto(`/kiosk/${OFFICE}`);
  await waitForHydration(page);
  if (elderly) {
    await page.locator('.kiosk-priority button[data-priority="elderly"]').click();
    const confirm = page.getByTestId('priority-confirm');
    await expect(confirm).toContainText('Petugas dapat meminta bukti');
    await confirm.getByRole('button', { name: 'Ya, benar' }).click();
    await expect(page.getByTestId('priority-chosen')).toContainText('Lansia');
  }
  await page.locator('.kiosk-button[data-service="C"]').click();
  await expect(page.getByTestId('receipt-number')).toHaveText(/^C-\d{3}$/);
  if (elderly) {
    await expect(page.getByTestId('receipt-priority')).toHaveText('Prioritas: Lansia');
  } else {
    await expect(page.getByTestId('receipt-priority')).toHaveCount(0);
  }
  return (await page.getByTestId('receipt-number').textContent())!;
}

test('a priority number from the kiosk is called before older ordinary numbers, and not past the longest wait', async ({
  page,
  request,
}) => {
  await signInAsAdmin(page);
  await setPriority(page, '60');
  const admin = await adminSessionOverHttp(request);
  const loket3 = (await counterIds(page, OFFICE))['Loket 3'];
  const opened = await counterAction(request, admin, loket3, 'open');
  if (opened.current) {
    await counterAction(request, admin, loket3, 'serve');
    await counterAction(request, admin, loket3, 'finish');
  }

  const older = [await takeNumber(page, false), await takeNumber(page, false)];
  const elderly = [await takeNumber(page, true), await takeNumber(page, true)];

  // Priority first: the first elderly number, though two ordinary ones came before it.
  const called = await counterAction(request, admin, loket3, 'call_next');
  expect(called.current.display_number).toBe(elderly[0]);
  expect(older).not.toContain(called.current.display_number);
  await page.goto(`/petugas/loket/${loket3}`);
  await expect(page.getByTestId('current-number')).toHaveText(elderly[0]);
  await expect(page.getByTestId('current-priority')).toHaveText('Prioritas · Lansia');
  await expect(page.locator(`tr[data-priority="elderly"]`)).toHaveCount(1);
  await counterAction(request, admin, loket3, 'serve');
  await counterAction(request, admin, loket3, 'finish');

  // Nobody is starved: once ordinary numbers may wait no longer (0 minutes
  // here), the oldest ordinary number goes before the waiting elderly one.
  await setPriority(page, '0');
  const next = await counterAction(request, admin, loket3, 'call_next');
  expect(next.current.priority).toBeNull();
  expect(next.current.display_number).not.toBe(elderly[1]);
  await counterAction(request, admin, loket3, 'serve');
  await counterAction(request, admin, loket3, 'finish');
  await setPriority(page, '60');
});
