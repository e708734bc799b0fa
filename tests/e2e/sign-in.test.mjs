// Signing in and out, and what each role sees.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminPassword, artifactsDir, createUser, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

let relay;
let browser;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
  await createUser(relay.baseUrl, { username: 'agent', password: 'agent-password-1', role: 'agent' });
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test('a signed-out visitor is sent to the sign-in page; a wrong password is named', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/accounts`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.match(page.url(), /\/login$/);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('sign-in-error').filter({ hasText: 'wrong user name or password' }).waitFor();
  await page.close();
  // The refused sign-in is the only error the browser logs (the 401 of the failed request).
  assert.ok(problems.every((problem) => problem.includes('401')), problems.join('\n'));
});

test('an admin sees the accounts, with secrets shown only as set, and signs out', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Accounts' }).click();
  const table = page.getByTestId('accounts');
  await table.getByText('Sandbox demo').waitFor();
  assert.match(await table.textContent(), /sandbox.*set.*set/);
  await page.screenshot({ path: join(artifactsDir, 'accounts.png'), fullPage: true });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.close();
  assert.deepEqual(problems, []);
});

test('an admin creates a Kaleyra account and edits it without retyping its secrets', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/accounts`);
  await page.getByRole('link', { name: 'New account' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Kaleyra India');
  await page.getByLabel('Provider', { exact: true }).selectOption('kaleyra');
  await page.getByRole('button', { name: 'Save account' }).click();
  await page.getByTestId('account-error').filter({ hasText: 'sid is required' }).waitFor();
  assert.equal(await page.getByLabel('SID', { exact: true }).getAttribute('aria-invalid'), 'true');
  await page.getByLabel('SID', { exact: true }).fill('HXIN1234');
  await page.getByLabel('Sender number').fill('+91 90000 00000');
  await page.getByLabel('API key', { exact: true }).fill('kaleyra-secret-key');
  await page.getByRole('button', { name: 'Save account' }).click();
  const row = page.getByTestId('accounts').locator('tr').filter({ hasText: 'Kaleyra India' });
  await row.waitFor();
  assert.match(await row.textContent(), /kaleyra.*not set.*not set.*set/);

  await row.getByRole('link', { name: 'Edit' }).click();
  const key = page.getByLabel('API key', { exact: true });
  await key.waitFor();
  assert.equal(await key.inputValue(), '', 'a secret is never shown');
  assert.equal(await key.getAttribute('placeholder'), 'set: leave blank to keep');
  await page.getByLabel('Name', { exact: true }).fill('Kaleyra India (pod IN)');
  await page.getByRole('button', { name: 'Save account' }).click();
  const renamed = page.getByTestId('accounts').locator('tr').filter({ hasText: 'Kaleyra India (pod IN)' });
  await renamed.waitFor();
  assert.match(await renamed.textContent(), /not set.*not set.*set/, 'the API key is still set');
  assert.deepEqual(problems.filter((problem) => !problem.includes('400')), []);
  await page.close();
});

test('an agent sees no accounts page and cannot reach it by URL', async () => {
  const context = browser.context;
  const { page } = await openPage(context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'agent', 'agent-password-1');
  assert.equal(await page.getByRole('link', { name: 'Accounts' }).count(), 0);
  await page.goto(`${relay.baseUrl}/accounts`);
  await page.getByTestId('no-access').waitFor();
  assert.equal(await page.getByTestId('accounts').count(), 0);
  await page.close();
});

test('links open pages in place, back and forward move between them, and the current page is marked', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  // A marker on the window survives only if no link reloads the app.
  await page.evaluate(() => { window.stayedInPlace = true; });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Lists' }).click();
  await page.getByRole('heading', { name: 'Lists' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Lists' }).getAttribute('aria-current'), 'page');
  assert.equal(await nav.getByRole('link', { name: 'Campaigns' }).getAttribute('aria-current'), null);
  await nav.getByRole('link', { name: 'Campaigns' }).click();
  await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
  assert.match(page.url(), /\/campaigns$/);
  await page.goBack();
  await page.getByRole('heading', { name: 'Lists' }).waitFor();
  assert.match(page.url(), /\/lists$/);
  await page.goForward();
  await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
  assert.equal(await page.evaluate(() => window.stayedInPlace), true, 'no page load');
  await page.goto(`${relay.baseUrl}/no-such-page`);
  await page.getByText('Page not found.').waitFor();
  await page.close();
  assert.deepEqual(problems, []);
});
