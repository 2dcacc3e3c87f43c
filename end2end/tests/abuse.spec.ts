// Defences a citizen meets in the browser: past the site's SMS budget, the page
// proves it is not a robot (a proof-of-work puzzle, solved by the page itself)
// before the code is sent.
import { expect, test } from '@playwright/test';
import { startOwnServer } from '../server';
import { codeSentTo, waitForHydration } from './helpers';

test('past the SMS budget, the sign-in page solves the puzzle by itself and the code is sent', async ({ browser }) => {
  const server = await startOwnServer({ ANTREAN_SMS_BUDGET_PER_HOUR: '1' });
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    for (const phone of ['0812 1111 0001', '0857 2222 0002']) {
      await page.goto('/masuk');
      await waitForHydration(page);
      await page.getByLabel('Nomor ponsel').fill(phone);
      await page.getByRole('button', { name: 'Kirim Kode Akses' }).click();
      // The first is under the budget; the second is sent once the puzzle is solved.
      await expect(page).toHaveURL(/\/kode\//, { timeout: 15_000 });
    }
    expect(await codeSentTo(context.request, '+6285722220002')).toMatch(/^[2-9A-Z]{6}$/);
  } finally {
    await context.close();
    await server.stop();
  }
});
