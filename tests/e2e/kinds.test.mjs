// Template kinds against the real relay and its sandbox provider: an admin builds a carousel of
// three cards and a coupon-code template in the editor, sees them previewed, submits them and
// sends the carousel in a campaign (the sandbox checks every parameter as Meta does); an
// authentication template synced from the sandbox shows in the editor and an agent sends it
// with its code, on a phone-sized screen.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminApi, adminPassword, artifactsDir, createUser, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

let relay;
let browser;
let api;

before(async () => {
  relay = await startRelay({ SANDBOX_REPLY_RATE: '0' });
  browser = await launchBrowser();
  api = adminApi(relay.baseUrl);
  await createUser(relay.baseUrl, { username: 'agent', password: 'agent-password-1', role: 'agent' });
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** Saves and submits the template open in the editor, and waits for the sandbox's approval. */
async function submitAndWaitForApproval(page) {
  await page.getByRole('button', { name: 'Save and submit' }).click();
  await page.waitForURL(/\/templates\/\d+$/);
  await page.getByTestId('editor-status').filter({ hasText: 'APPROVED' }).waitFor({ timeout: 20_000 });
}

test('an admin builds a carousel and a coupon, previews them, submits them and sends the carousel', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/templates`);
  await page.getByRole('link', { name: 'New template' }).click();

  await page.getByLabel('Name', { exact: true }).fill('fruit_carousel');
  await page.getByLabel('Kind').selectOption('carousel');
  await page.getByLabel('Message content').fill('Hello {{1}}, our freshest picks of the week are here.');
  await page.getByLabel('Sample for {{1}}').fill('Ann');
  await page.getByTestId('card').nth(1).waitFor();
  await page.getByRole('button', { name: 'Add card' }).click();
  assert.equal(await page.getByTestId('card').count(), 3);
  await page.getByRole('button', { name: 'Add a button to every card' }).click();
  const fruits = ['Lemons', 'Limes', 'Oranges'];
  for (const [index, fruit] of fruits.entries()) {
    await page.locator(`#card-${index}-media-link`).fill(`https://cdn.example.com/${fruit.toLowerCase()}.png`);
    await page.locator(`#card-${index}-body`).fill(`${fruit} for your table, fresh today.`);
    await page.locator(`#card-${index}-button-0-text`).fill('More like this');
  }
  await page.getByLabel('{{1}}', { exact: true }).selectOption({ label: 'First name' });
  const cards = page.getByTestId('preview-card');
  await cards.nth(2).filter({ hasText: 'Oranges for your table' }).waitFor();
  assert.equal(await cards.count(), 3, 'the preview shows the three cards side by side');
  assert.equal(await page.locator('[data-code].error').count(), 0, await page.locator('[data-code].error').allInnerTexts().then(String));
  await page.screenshot({ path: join(artifactsDir, 'template-carousel.png'), fullPage: true });
  await submitAndWaitForApproval(page);

  await page.goto(`${relay.baseUrl}/templates/new?account=1`);
  await page.getByLabel('Name', { exact: true }).fill('welcome_coupon');
  await page.getByLabel('Message content').fill('Hello {{1}}, here is 10% off your next order with this code.');
  await page.getByLabel('Sample for {{1}}').fill('Ann');
  await page.getByLabel('Type of the button to add').selectOption('COPY_CODE');
  await page.getByRole('button', { name: 'Add button', exact: true }).click();
  await page.getByLabel('Sample code (each contact\'s code is mapped below)').fill('WELCOME10');
  await page.getByTestId('coupon-code').filter({ hasText: 'WELCOME10' }).waitFor();
  await page.getByLabel('{{1}}', { exact: true }).selectOption({ label: 'First name' });
  await page.getByLabel('coupon code', { exact: true }).selectOption('text');
  await page.getByLabel('Value for coupon code').fill('WELCOME10');
  await page.getByTestId('preview').filter({ hasText: 'Copy offer code' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'template-coupon.png'), fullPage: true });
  await submitAndWaitForApproval(page);

  await page.getByRole('link', { name: 'Campaigns' }).click();
  const form = page.getByRole('form', { name: 'New campaign' });
  await form.getByLabel('Name').fill('Fruit week');
  await form.getByLabel('Template (approved)').selectOption({ label: 'fruit_carousel' });
  await form.getByLabel('Demo list (5)').check();
  page.once('dialog', (dialog) => dialog.accept());
  await form.getByRole('button', { name: 'Create and start' }).click();
  const row = page.getByTestId('campaign-row').filter({ hasText: 'Fruit week' });
  await row.waitFor();
  const [campaign] = (await api('/campaigns')).filter((found) => found.name === 'Fruit week');
  // The sandbox accepts a carousel only with every card's media, body and buttons: a send it
  // refused would come back as an error code on the contact's row.
  for (let waited = 0; ; waited += 250) {
    const rows = await api(`/campaigns/${campaign.id}/hopper?limit=100`);
    const sent = rows.filter((hopper) => hopper.outcome === 'sent' || hopper.state === 'pending');
    assert.deepEqual(rows.filter((hopper) => hopper.error_code === 132000), [], 'no send was refused for its parameters');
    if (sent.length >= 3) break;
    assert.ok(waited < 20_000, `the carousel was not sent: ${JSON.stringify(rows)}`);
    await new Promise((wake) => setTimeout(wake, 250));
  }
  await page.screenshot({ path: join(artifactsDir, 'campaign-carousel.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

test('an authentication template synced from the sandbox shows and an agent sends it, on a phone', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/templates`);
  await page.getByTestId('sync-templates').click();
  await page.getByTestId('sync-report').filter({ hasText: /imported/ }).waitFor();
  const row = page.getByTestId('template-row').filter({ hasText: 'sandbox_login_code' });
  await row.getByTestId('status').filter({ hasText: 'APPROVED' }).waitFor();
  await row.getByRole('link', { name: 'Edit mapping' }).click();
  // The page shows a draft until the template arrives: its status and text say it has.
  await page.getByTestId('editor-status').filter({ hasText: 'APPROVED' }).waitFor();
  await page.getByTestId('preview').filter({ hasText: 'is your verification code' }).waitFor();
  assert.equal(await page.getByLabel('Kind').inputValue(), 'authentication');
  await page.getByLabel('one-time code', { exact: true }).selectOption('custom');
  await page.getByLabel('Value for one-time code').fill('code');
  await page.getByLabel('Available to agents').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('save-message').filter({ hasText: 'Saved' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'template-authentication-phone.png'), fullPage: true });

  // The agent signs in on the same browser: the admin's session is replaced.
  const { page: agentPage, problems: agentProblems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await agentPage.setViewportSize({ width: 390, height: 844 });
  await signIn(agentPage, relay.baseUrl, 'agent', 'agent-password-1');
  await agentPage.getByLabel("Contact's number").fill('+49 151 0000 888');
  await agentPage.getByRole('button', { name: 'Open' }).click();
  await agentPage.getByLabel('Template', { exact: true }).selectOption({ label: 'sandbox_login_code' });
  await agentPage.getByLabel('one-time code (custom field "code")').fill('482913');
  await agentPage.getByRole('button', { name: 'Send template' }).click();
  await agentPage.getByTestId('messages').locator('[data-kind="template"]').filter({ hasText: '482913' }).waitFor();
  await agentPage.screenshot({ path: join(artifactsDir, 'agent-authentication-phone.png'), fullPage: true });
  assert.deepEqual(agentProblems, []);
  assert.deepEqual(problems, []);
});
