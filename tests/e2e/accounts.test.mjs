// An account's page tells the admin where the provider must send its webhooks: this relay's
// own address, with Meta's callback URL for a Meta-like account and Kaleyra's, which names the
// account, for a Kaleyra one.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminApi, artifactsDir, adminPassword, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

let relay;
let browser;
let api;

before(async () => {
  relay = await startRelay();
  browser = await launchBrowser();
  api = adminApi(relay.baseUrl);
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test("an account's page shows the webhook URL to paste into the provider's console", async () => {
  const [sandbox] = await api('/accounts');
  const kaleyra = await api('/accounts', {
    method: 'POST',
    body: JSON.stringify({
      name: 'Kaleyra India', provider: 'kaleyra',
      settings: { sid: 'HXIN1', sender_number: '919000000001' },
      secrets: { api_key: 'key', callback_token: 'token' },
    }),
  });
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/accounts/${sandbox.id}`);
  assert.equal(await page.getByTestId('meta-callback-url').inputValue(), `${relay.baseUrl}/webhooks/meta`);
  // Test connection: the relay calls the (sandbox) provider and says what it answered.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('The provider accepts this account.').waitFor();
  const checks = await page.getByTestId('connection-checks').locator('li').allTextContents();
  assert.equal(checks.length, 2, checks.join('\n'));
  assert.match(checks[0], /^phone_number_id: .*quality GREEN/);
  assert.match(checks[1], /^waba_id: the business account answers: \d+ templates$/);
  await page.screenshot({ path: join(artifactsDir, 'account-connection.png'), fullPage: true });
  // Advanced settings: the daily tier and the opt-out keywords, saved with the account.
  await page.getByText('Advanced settings').click();
  await page.getByLabel('Messaging limit (business-initiated conversations a day)').selectOption('2000');
  await page.getByLabel(/^Opt-out keywords, one per line/).fill('ALTO\nBASTA\n');
  await page.getByRole('button', { name: 'Save account' }).click();
  await page.waitForURL(`${relay.baseUrl}/accounts`);
  const saved = await api(`/accounts/${sandbox.id}`);
  assert.equal(saved.settings.messaging_limit, 2000);
  assert.deepEqual(saved.settings.opt_out_keywords, ['ALTO', 'BASTA']);
  await page.goto(`${relay.baseUrl}/accounts/${sandbox.id}`);
  await page.getByText('Advanced settings').click();
  await page.waitForFunction(() => document.getElementById('opt_out_keywords')?.value === 'ALTO\nBASTA');
  assert.equal(await page.getByLabel('Messaging limit (business-initiated conversations a day)').inputValue(), '2000');
  await page.goto(`${relay.baseUrl}/accounts/${kaleyra.id}`);
  assert.equal(
    await page.getByTestId('kaleyra-callback-url').inputValue(),
    `${relay.baseUrl}/webhooks/kaleyra/${kaleyra.id}`,
  );
  assert.deepEqual(problems, []);
});
