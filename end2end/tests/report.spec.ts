// The report's charts in the browser: drawn on the server, readable on a
// 360 px phone (no sideways scrolling, legible text) and on a 1280 px screen.
import { expect, test, type Page } from '@playwright/test';
import { adminSessionOverHttp, deskBookOverHttp, signInAsAdmin } from './helpers';

const REPORT = '/admin/kantor/kantah-denpasar/laporan?dari=2026-11-23&sampai=2026-11-30';
const CHARTS = ['issued', 'waits', 'busiest', 'lost', 'rolled'];

async function checkCharts(page: Page, width: number, widest: number) {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(REPORT);
  for (const id of CHARTS) {
    const figure = page.getByTestId(`chart-${id}`);
    await expect(figure.locator('figcaption')).toBeVisible();
    const drawing = figure.locator('svg');
    await expect(drawing).toBeVisible();
    const box = (await drawing.boundingBox())!;
    expect(box.width).toBeGreaterThan(200);
    expect(box.width).toBeLessThanOrEqual(widest);
    // The smallest text of the drawing stays readable.
    const textHeight = await drawing.locator('text').first().evaluate((t) => t.getBoundingClientRect().height);
    expect(textHeight).toBeGreaterThanOrEqual(7);
    // Its numbers are there for screen readers too.
    await expect(figure.locator('.visually-hidden table caption')).toHaveText((await figure.locator('figcaption').textContent())!);
  }
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(sideways).toBeLessThanOrEqual(0);
}

test('the report draws its charts at 360 px and at 1280 px', async ({ page, request }) => {
  const admin = await adminSessionOverHttp(request);
  await deskBookOverHttp(request, admin, { office: 'kantah-denpasar', service: 'A', date: '2026-11-23', serial: 9901 });
  await signInAsAdmin(page);
  await checkCharts(page, 360, 360);
  await checkCharts(page, 1280, 640);
  // The issued chart has a bar for the day booked.
  await expect(page.getByTestId('chart-issued').locator('svg rect').first()).toBeVisible();
});
