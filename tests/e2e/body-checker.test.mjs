// The served release build loads without errors and checks the message content as the user types.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminPassword, artifactsDir, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

let relay;
let browser;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test('the app loads with no console errors and checks the content as the user types', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/templates`);
  const body = page.getByLabel('Message content');
  await body.waitFor();

  await body.fill('Hello, your order has shipped.');
  await page.getByTestId('body-counter').filter({ hasText: '30 / 1024' }).waitFor();
  assert.equal(await page.getByTestId('diagnostics').textContent(), '');

  await body.fill('x'.repeat(1030));
  await page.getByTestId('body-counter').filter({ hasText: '1030 / 1024' }).waitFor();
  await page.locator('[data-code=body_too_long]').waitFor();
  assert.equal(await body.getAttribute('aria-invalid'), 'true');

  await page.screenshot({ path: join(artifactsDir, 'body-checker.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

test('a deep link is served the app, not a 404', async () => {
  const response = await fetch(`${relay.baseUrl}/templates/new`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<title>Herald<\/title>/);
});
