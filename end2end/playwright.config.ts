// Browser tests run in Debian's Chromium (/usr/bin/chromium); no browser is ever downloaded.
// The server under test is the real binary on a fresh SQLite file, with its clock
// pinned to Monday 23 November 2026, 10:00 WITA, so opening hours and dates are stable.
import { defineConfig } from '@playwright/test';
import { freshDataDir, serverBinary, serverEnv, sharedOrigin, sharedPort } from './server';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: sharedOrigin,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.ANTREAN_CHROMIUM ?? '/usr/bin/chromium',
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
    command: JSON.stringify(serverBinary),
    url: `${sharedOrigin}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: serverEnv(sharedPort, freshDataDir()),
  },
});
