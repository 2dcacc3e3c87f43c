// How the browser tests start the real server binary: the shared webServer of
// playwright.config.ts, and servers of a test's own (a test that takes its server
// down to see what a citizen sees without a connection).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const root = resolve(__dirname, '..');

export const serverBinary = process.env.ANTREAN_BIN ?? join(root, 'target/debug/antrean');

/** Where the shared server of playwright.config.ts listens. */
export const sharedPort = Number(process.env.ANTREAN_E2E_PORT ?? 3917);
export const sharedOrigin = `http://127.0.0.1:${sharedPort}`;

/** With `ANTREAN_E2E_POSTGRES_URL` (a PostgreSQL server, as `./antrean test`
 * starts one), the database of a data directory: one per directory, made on
 * first use, so a server restarted on the same directory finds its data. */
function postgresFor(dataDir: string): Record<string, string> {
  const server = process.env.ANTREAN_E2E_POSTGRES_URL;
  if (!server) return {};
  const name = `e2e_${basename(dataDir).replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;
  const exists = execFileSync('psql', [server, '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${name}'`]);
  if (exists.toString().trim() !== '1') execFileSync('psql', [server, '-qc', `CREATE DATABASE ${name}`]);
  return { ANTREAN_DATABASE_URL: server.replace(/\/[^/]*$/, `/${name}`) };
}

/** The environment of a server under test: a fresh SQLite file (or PostgreSQL
 * database, see `postgresFor`), the clock pinned to Monday 23 November 2026,
 * 10:00 WITA, the development SMS outbox. */
export function serverEnv(port: number, dataDir: string): Record<string, string> {
  return {
    ...postgresFor(dataDir),
    ANTREAN_ADDR: `127.0.0.1:${port}`,
    ANTREAN_DATA_DIR: dataDir,
    ANTREAN_SITE_ROOT: process.env.ANTREAN_SITE_ROOT ?? join(root, 'target/site'),
    ANTREAN_NOW: '2026-11-23T10:00:00+08:00',
    ANTREAN_DEV_MODE: 'true',
    ANTREAN_ADMIN_PASSWORD: 'admin-uji-e2e',
    RUST_LOG: 'warn',
  };
}

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'antrean-e2e-'));
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface OwnServer {
  baseURL: string;
  dataDir: string;
  /** Kills the server (SIGKILL, as a crash): every request to it now fails as
   * on a lost connection. Its data is removed unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

/** Starts a server of the test's own on a free port, with `settings` over the
 * usual environment, and waits until it answers; on `dataDir` if given (a
 * restart), else on a fresh one. */
export async function startOwnServer(
  settings: Record<string, string> = {},
  dataDir: string = freshDataDir(),
): Promise<OwnServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(serverBinary, [], {
    env: { ...process.env, ...serverEnv(port, dataDir), ...settings },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseURL = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server stopped at start (exit ${child.exitCode})`);
    try {
      if ((await fetch(`${baseURL}/`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the server at ${baseURL} did not answer within 60 s`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return {
    baseURL,
    dataDir,
    stop: async (keepData = false) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGKILL');
        await exited;
      }
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
