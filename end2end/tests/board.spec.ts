// The hall's display board on a TV: full screen, the office's own time on a
// device set to another zone, a number readable from the back of the hall,
// the admin's announcement, and calls made together announced one by one.
import { expect, test, type Page } from '@playwright/test';
import { adminSessionOverHttp, counterAction, counterIds, deskBookOverHttp, signInAsAdmin, waitForHydration } from './helpers';

/** The office's clock (WIB, UTC+7, for Bogor) at `instant`, "HH:MM". */
function officeMinute(instant: Date, offsetHours: number): string {
  const office = new Date(instant.getTime() + offsetHours * 3600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(office.getUTCHours())}:${two(office.getUTCMinutes())}`;
}

/** Height in pixels of the accent-coloured glyphs in a PNG screenshot,
 * measured in the page (its canvas decodes the PNG). */
async function glyphHeight(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    let top = -1;
    let bottom = -1;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const at = (y * image.width + x) * 4;
        // The board's accent, #ffd34d, in which the big number is drawn.
        if (pixels[at] > 230 && Math.abs(pixels[at + 1] - 211) < 30 && pixels[at + 2] < 130) {
          if (top < 0) top = y;
          bottom = y;
          break;
        }
      }
    }
    return top < 0 ? 0 : bottom - top + 1;
  }, png.toString('base64'));
}

test('the board fills a 1920×1080, a 1280×720 and a portrait TV, shows the office time on a device set to UTC, a number readable across the hall and the admin’s announcement', async ({
  browser,
  page,
  request,
}) => {
  // The admin writes the announcement on the office's settings page.
  await signInAsAdmin(page);
  await page.goto('/admin/kantor/disdukcapil-bogor');
  await page.getByLabel('Pengumuman di papan antrean').fill('Loket 4 istirahat pukul 12.00–13.00 WIB');
  await page.locator('section#kantor').getByRole('button', { name: 'Simpan' }).click();
  await expect(page.getByLabel('Pengumuman di papan antrean')).toHaveValue('Loket 4 istirahat pukul 12.00–13.00 WIB');

  // A call, so the board has a number to show.
  const admin = await adminSessionOverHttp(request);
  const loket4 = (await counterIds(page, 'disdukcapil-bogor'))['Loket 4'];
  await deskBookOverHttp(request, admin, { office: 'disdukcapil-bogor', service: 'D', date: '2026-11-23', serial: 7101 });
  await counterAction(request, admin, loket4, 'open');
  const called = await counterAction(request, admin, loket4, 'call_next');
  const number: string = called.current.display_number;

  for (const viewport of [
    { width: 1920, height: 1080 },
    { width: 1280, height: 720 },
    { width: 1080, height: 1920 },
  ]) {
    const context = await browser.newContext({ viewport, timezoneId: 'UTC' });
    const board = await context.newPage();
    await signInAsAdmin(board);
    await board.goto('/papan/disdukcapil-bogor');
    await waitForHydration(board);
    await expect(board.locator('.board[data-live="online"]')).toBeVisible();
    expect(await board.evaluate(() => new Date().getTimezoneOffset())).toBe(0);

    // No app chrome: the board is the whole screen.
    await expect(board.locator('header.topbar')).toBeHidden();
    const box = (await board.locator('.board').boundingBox())!;
    expect([box.x, box.y, box.width, box.height]).toEqual([0, 0, viewport.width, viewport.height]);

    // The office's time (WIB), not the device's. The clock ticks once a
    // second, so what it shows may be up to a tick behind the moment it is read.
    const before = officeMinute(new Date(Date.now() - 2_000), 7);
    const clock = (await board.getByTestId('board-clock').textContent())!;
    const after = officeMinute(new Date(), 7);
    expect(clock).toMatch(/^\d\d:\d\d:\d\d WIB$/);
    expect([before, after]).toContain(clock.slice(0, 5));

    // The latest call is the largest thing on the screen: its digits are at
    // least 12% of the screen's height in a screenshot.
    await expect(board.getByTestId('board-latest')).toHaveText(number);
    const shot = await board.getByTestId('board-latest').screenshot({ animations: 'disabled' });
    const height = await glyphHeight(board, shot);
    expect(height, `the number is ${height} px high on a ${viewport.height} px screen`).toBeGreaterThanOrEqual(
      0.12 * viewport.height,
    );
    // Open counters and the waiting of each service are on the board too.
    await expect(board.locator('.board-counter[data-counter="Loket 4"]').getByTestId('board-number')).toHaveText(number);
    await expect(board.locator('.board-waiting li[data-service="D"]')).toBeVisible();
    await expect(board.getByTestId('board-announcement')).toHaveText('Loket 4 istirahat pukul 12.00–13.00 WIB');
    // Everything fits: nothing is pushed below the screen's edge.
    const announcement = (await board.getByTestId('board-announcement').boundingBox())!;
    expect(announcement.y + announcement.height).toBeLessThanOrEqual(viewport.height);
    await context.close();
  }
});

test('three calls made together are announced one after another in order, and a recall is announced as such', async ({
  browser,
  page,
  request,
}) => {
  test.setTimeout(90_000);
  const admin = await adminSessionOverHttp(request);
  await signInAsAdmin(page);
  const counters = await counterIds(page, 'disdukcapil-bogor');
  const lokets = ['Loket 1', 'Loket 2', 'Loket 4'].map((name) => counters[name]);
  // Each counter open with nobody at it.
  for (const counter of lokets) {
    const console_ = await counterAction(request, admin, counter, 'open');
    if (console_.current) {
      await counterAction(request, admin, counter, 'serve');
      await counterAction(request, admin, counter, 'finish');
    }
  }
  for (const [serial, service] of [
    [7201, 'A'],
    [7202, 'A'],
    [7203, 'B'],
    [7204, 'D'],
  ] as const) {
    await deskBookOverHttp(request, admin, { office: 'disdukcapil-bogor', service, date: '2026-11-23', serial });
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const board = await context.newPage();
  await signInAsAdmin(board);
  await board.goto('/papan/disdukcapil-bogor');
  await waitForHydration(board);
  await expect(board.locator('.board[data-live="online"]')).toBeVisible();
  const announced = async () => ((await board.locator('.board').getAttribute('data-announced')) ?? '').split(' ').filter(Boolean);
  const already = (await announced()).length;

  // Three counters call within moments of each other.
  const numbers: string[] = [];
  for (const counter of lokets) {
    numbers.push((await counterAction(request, admin, counter, 'call_next')).current.display_number);
  }

  // The board shows the first at once, the others wait their turn.
  await expect.poll(async () => (await announced()).slice(already).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
  expect((await announced()).slice(already).length).toBe(1);
  await expect.poll(async () => (await announced()).slice(already), { timeout: 30_000 }).toHaveLength(3);
  const order = (await announced()).slice(already);
  expect(order).toEqual(numbers);

  // A recall of the first counter's number is announced as a recall.
  await counterAction(request, admin, lokets[0], 'recall');
  await expect(board.locator('.board-latest-label')).toHaveText('Panggilan ulang', { timeout: 15_000 });
  await expect(board.getByTestId('board-latest')).toHaveText(numbers[0]);
  await expect.poll(async () => (await announced()).slice(already), { timeout: 15_000 }).toEqual([...order, numbers[0]]);
  await context.close();
});
