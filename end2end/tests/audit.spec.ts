// The audit log in the browser: an admin's change shows up with who made it
// and its values, the filter narrows the list, and the same filter downloads
// as CSV. Changes only a holiday far ahead, added and removed again.
import { expect, test } from '@playwright/test';
import { adminSessionOverHttp, signInAsAdmin, writeHeaders } from './helpers';

test('an admin filters the audit log and downloads what it shows', async ({ page, request }) => {
  const admin = await adminSessionOverHttp(request);
  const holiday = { office: 'kantah-denpasar', date: '2027-02-02', name: 'Uji Jejak Audit' };
  const added = await request.post('/api/add_holiday', { headers: writeHeaders({ Cookie: admin }), form: holiday });
  expect(added.ok()).toBeTruthy();
  const removed = await request.post('/api/remove_holiday', {
    headers: writeHeaders({ Cookie: admin }),
    form: { office: holiday.office, date: holiday.date },
  });
  expect(removed.ok()).toBeTruthy();

  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'Jejak audit' }).click();
  await expect(page).toHaveURL(/\/admin\/jejak-audit$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Jejak audit');

  const filter = page.getByTestId('audit-filter');
  await filter.getByLabel('Kantor', { exact: true }).selectOption('kantah-denpasar');
  await filter.getByLabel('Tindakan', { exact: true }).selectOption('holiday.added');
  await filter.getByLabel('Objek', { exact: true }).fill('2027-02-02');
  await filter.getByRole('button', { name: 'Tampilkan' }).click();
  await expect(page).toHaveURL(/action=holiday.added/);
  const rows = page.getByTestId('audit-log').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByTestId('audit-account')).toHaveText('admin');
  await expect(rows.first().getByTestId('audit-after')).toContainText('name=Uji Jejak Audit');
  // The filter stays as chosen on the page it leads to.
  await expect(filter.getByLabel('Tindakan', { exact: true })).toHaveValue('holiday.added');

  // The removal is its own entry; the filter by action tells them apart.
  await filter.getByLabel('Tindakan', { exact: true }).selectOption('holiday.removed');
  await filter.getByRole('button', { name: 'Tampilkan' }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Menghapus hari libur');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Unduh CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('jejak-audit-kantah-denpasar.csv');
  const csv = await (await download.createReadStream()).toArray();
  const lines = Buffer.concat(csv).toString('utf-8').trim().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('Menghapus hari libur');
  expect(lines[1]).toContain('2027-02-02');
});
