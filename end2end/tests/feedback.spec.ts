// Feedback after service: the holder of a finished number rates it on the
// ticket page, once, and the rating and comment appear in the office report.
import { expect, test } from '@playwright/test';
import { adminSessionOverHttp, counterAction, counterIds, deskBookOverHttp, signInAsAdmin } from './helpers';

const OFFICE = 'disdukcapil-bogor';

test('a finished number is rated on its ticket page once, and the rating appears in the report', async ({
  page,
  request,
}) => {
  const admin = await adminSessionOverHttp(request);
  await signInAsAdmin(page);
  const loket4 = (await counterIds(page, OFFICE))['Loket 4'];
  const opened = await counterAction(request, admin, loket4, 'open');
  if (opened.current) {
    if (opened.current.state === 'Called') await counterAction(request, admin, loket4, 'serve');
    await counterAction(request, admin, loket4, 'finish');
  }
  await deskBookOverHttp(request, admin, { office: OFFICE, service: 'D', date: '2026-11-23', serial: 7401 });
  const called = await counterAction(request, admin, loket4, 'call_next');
  const code: string = called.current.code;

  // Not finished yet: nothing to rate.
  await page.goto(`/tiket/${code}`);
  await expect(page.getByTestId('feedback')).toHaveCount(0);
  await counterAction(request, admin, loket4, 'serve');
  await counterAction(request, admin, loket4, 'finish');

  await page.goto(`/tiket/${code}`);
  const form = page.getByTestId('feedback');
  await expect(form.getByRole('heading')).toHaveText('Bagaimana layanan kami?');
  await form.getByLabel('4', { exact: true }).check();
  await form.getByLabel('Saran (boleh dikosongkan)').fill('Petugas ramah, antrean cepat.');
  await form.getByRole('button', { name: 'Kirim penilaian' }).click();
  await expect(page).toHaveURL(new RegExp(`/tiket/${code}$`));
  await expect(page.getByTestId('feedback-given')).toHaveText('Terima kasih atas penilaian Anda: 4/5');
  await expect(page.getByTestId('feedback')).toHaveCount(0);

  // Once only.
  const again = await request.post('/api/give_feedback', {
    headers: { Accept: 'application/json', Origin: new URL(page.url()).origin },
    form: { code, rating: '1' },
  });
  expect(again.status()).toBe(409);

  await page.goto(`/admin/kantor/${OFFICE}/laporan?dari=2026-11-23&sampai=2026-11-23`);
  const service = page.getByTestId('report-services').locator('tr[data-service="D"]');
  await expect(service.getByTestId('average-rating')).toHaveText(/^\d,\d$/);
  const comments = page.getByTestId('report-comments');
  await expect(comments.locator('li', { hasText: 'Petugas ramah, antrean cepat.' })).toContainText('4/5 · D · Loket 4');
});
