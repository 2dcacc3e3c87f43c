// Browser tests run in Debian's Chromium (/usr/bin/chromium); no browser is ever downloaded.
// The server under test is the real binary on a fresh SQLite file, with its clock
// pinned to Monday 23 November 2026, 10:00 WITA, so opening hours and dates are stable.
import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const port = Number(process.env.ANTREAN_E2E_PORT ?? 3917);
const dataDir = mkdtempSync(join(tmpdir(), 'antrean-e2e-'));
const root = resolve(__dirname, '..');

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: process.env.ANTREAN_BIN ?? join(root, 'target/debug/antrean'),
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      ANTREAN_ADDR: `127.0.0.1:${port}`,
      ANTREAN_DATA_DIR: dataDir,
      ANTREAN_SITE_ROOT: process.env.ANTREAN_SITE_ROOT ?? join(root, 'target/site'),
      ANTREAN_NOW: '2026-11-23T10:00:00+08:00',
      ANTREAN_DEV_MODE: 'true',
      ANTREAN_ADMIN_PASSWORD: 'admin-uji-e2e',
      RUST_LOG: 'warn',
    },
  },
});
