// Harness for the Playwright end-to-end tests: starts the real relay binary on a random port with
// a fresh data folder, waits for /healthz, and launches Debian's headless Chromium.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

export const repositoryRoot = resolve(import.meta.dirname, '..', '..');
export const artifactsDir = join(repositoryRoot, 'tests', 'e2e', 'artifacts');

const relayBinary = process.env.HERALD_RELAY_BIN ?? join(repositoryRoot, 'target', 'debug', 'relay');
const webDir = process.env.HERALD_WEB_DIR ?? join(repositoryRoot, 'dist');

// Chromium as root in a closed network: no sandbox, no background connections (TOOLCHAIN.md).
const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Password of the first admin of every relay the end-to-end tests start. */
export const adminPassword = 'e2e-admin-password';

/** Starts the relay (`env` adds variables, e.g. the sandbox's); resolves once it answers /healthz. */
export async function startRelay(env = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'herald-e2e-data-'));
  const child = spawn(
    relayBinary,
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--web-dir', webDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HERALD_LOG: 'warn', HERALD_ADMIN_PASSWORD: adminPassword, ...env },
    },
  );
  const exited = new Promise((_, reject) =>
    child.once('exit', (code) => reject(new Error(`relay exited early with code ${code}`))),
  );
  const announced = new Promise((resolveUrl) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = line.match(/Herald is running at (http:\/\/\S+)/);
      if (match) resolveUrl(match[1].replace(/\/$/, ''));
    });
  });
  const baseUrl = await Promise.race([announced, exited]);
  await Promise.race([waitUntilHealthy(`${baseUrl}/healthz`), exited]);
  return {
    baseUrl,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitUntilHealthy(url) {
  const deadline = Date.now() + 10_000;
  let pause = 5;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet: try again below.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not become healthy in 10 s`);
    await new Promise((wake) => setTimeout(wake, pause));
    pause = Math.min(pause * 2, 200);
  }
}

/** Launches headless Chromium with a fresh profile that is deleted on close. */
export async function launchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'herald-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1280, height: 800 },
  });
  await mkdir(artifactsDir, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a page that records console errors and uncaught exceptions. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(url);
  return { page, problems };
}

/** Signs in through the sign-in page and waits for the app's layout. */
export async function signIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
}

/**
 * The API as the first admin: `api(path, init)` answers the decoded JSON and fails on an error
 * status. It signs in once (sign-ins are rate-limited) and keeps the session cookie.
 */
export function adminApi(baseUrl) {
  let cookie;
  return async function api(path, init = {}) {
    if (!cookie) {
      const login = await fetch(`${baseUrl}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: adminPassword }),
      });
      if (!login.ok) throw new Error(`signing in as admin failed: ${login.status}`);
      cookie = login.headers.get('set-cookie').split(';')[0];
    }
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', cookie },
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
}

/** Creates a user through the API as the first admin. */
export async function createUser(baseUrl, user) {
  await adminApi(baseUrl)('/users', { method: 'POST', body: JSON.stringify(user) });
}
