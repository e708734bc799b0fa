// The template workspace against the real relay and its sandbox provider: create a template
// using every section, watch errors appear and disappear while typing, submit, see it approved
// by webhook without reloading, map its variable, delete it and find it under Deleted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminApi, adminPassword, artifactsDir, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

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

test('a template goes from draft to approved to deleted in the workspace', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/templates`);
  await page.getByTestId('template-count').filter({ hasText: '0 of 250' }).waitFor();
  await page.getByRole('link', { name: 'New template' }).click();

  await page.getByLabel('Name', { exact: true }).fill('Order Update');
  await page.locator('[data-code=name_invalid]').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('order_update');
  await page.locator('[data-code=name_invalid]').waitFor({ state: 'detached' });
  await page.getByLabel('Category').selectOption('UTILITY');
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByRole('link', { name: 'Back to templates' }).click();
  assert.match(page.url(), /\/templates\/new/, 'leaving with unsaved changes asks first');
  await page.getByTestId('unsaved').waitFor();

  await page.getByLabel('Header', { exact: true }).selectOption('TEXT');
  await page.getByLabel('Header text').fill('Your order');
  await page.getByTestId('template-header-counter').filter({ hasText: '10 / 60' }).waitFor();

  const body = page.getByLabel('Message content');
  await body.fill('x'.repeat(1030));
  await page.getByTestId('body-counter').filter({ hasText: '1030 / 1024' }).waitFor();
  await page.locator('[data-code=body_too_long]').waitFor();
  assert.equal(await body.getAttribute('aria-invalid'), 'true');

  await body.fill('Hello , your order has shipped and arrives tomorrow.');
  await page.locator('[data-code=body_too_long]').waitFor({ state: 'detached' });
  await body.evaluate((area) => area.setSelectionRange(6, 6));
  await page.getByRole('button', { name: 'Add variable' }).click();
  assert.equal(await body.inputValue(), 'Hello {{1}}, your order has shipped and arrives tomorrow.');
  await page.locator('[data-code=example_missing]').first().waitFor();
  await page.getByLabel('Sample for {{1}}').fill('Ann');
  await page.locator('[data-code=example_missing]').waitFor({ state: 'detached' });

  await page.getByLabel('Footer (optional)').fill('Reply STOP to opt out');
  await page.getByLabel('Type of the button to add').selectOption('QUICK_REPLY');
  await page.getByRole('button', { name: 'Add button', exact: true }).click();
  await page.getByLabel('Button 1 label').fill('Track it');
  await page.getByRole('button', { name: 'Add button', exact: true }).click();
  await page.getByLabel('Button 2 label').fill('Call me');
  await page.getByLabel('{{1}}', { exact: true }).selectOption({ label: 'First name' });

  const preview = page.getByTestId('preview');
  await preview.filter({ hasText: 'Hello Ann, your order has shipped' }).waitFor();
  await preview.filter({ hasText: 'Track it' }).waitFor();
  await page.getByLabel('Preview with a contact of').selectOption({ label: 'Demo list' });
  await page.getByLabel('Contact', { exact: true }).selectOption({ label: 'Anna Schmidt (+4915112345001)' });
  await preview.filter({ hasText: 'Hello Anna, your order has shipped' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'template-editor.png'), fullPage: true });

  await page.getByRole('button', { name: 'Save and submit' }).click();
  await page.waitForURL(/\/templates\/\d+$/);
  await page.getByTestId('editor-status').filter({ hasText: 'APPROVED' }).waitFor({ timeout: 15_000 });
  // The provider's verdict replaces "Saved; status PENDING.", which is no longer true.
  await page.getByTestId('save-message').filter({ hasText: 'Reviewed by the provider: APPROVED.' }).waitFor();

  await page.getByRole('link', { name: 'Back to templates' }).click();
  const row = page.getByTestId('template-row').filter({ hasText: 'order_update' });
  await row.getByTestId('status').filter({ hasText: 'APPROVED' }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(artifactsDir, 'templates-approved.png'), fullPage: true });

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: 'Delete' }).click();
  await page.getByTestId('template-count').filter({ hasText: '0 of 250' }).waitFor();
  await page.getByLabel('Show').selectOption('deleted');
  const deleted = page.getByTestId('template-row').filter({ hasText: 'order_update' });
  await deleted.getByRole('link', { name: 'Show details and preview' }).waitFor();
  assert.equal(await deleted.getByRole('button').count(), 0, 'a deleted template offers no action');
  await page.screenshot({ path: join(artifactsDir, 'templates-deleted.png'), fullPage: true });
  await deleted.getByRole('link', { name: 'Show details and preview' }).click();
  await page.getByRole('heading', { name: 'Template details (deleted)' }).waitFor();
  assert.equal(await page.getByTestId('editor-status').innerText(), 'DELETED');
  assert.ok(await page.getByRole('button', { name: 'Save and submit' }).isDisabled());
  assert.deepEqual(problems, []);
});

test('a duplicate, a refusal and a rejection are each shown beside what they concern', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  const existing = await page.request.post(`${relay.baseUrl}/api/v1/accounts/1/templates`, {
    data: {
      name: 'shipping_notice', language: 'en_US', category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Your parcel {{1}} is on its way.', example: { body_text: [['A1']] } }],
    },
  });
  assert.equal(existing.status(), 201);

  await page.goto(`${relay.baseUrl}/templates/new?account=1`);
  const name = page.getByLabel('Name', { exact: true });
  await name.fill('shipping_notice');
  const duplicate = page.locator('#template-name-findings [data-code=name_duplicate]');
  await duplicate.waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'false', 'a duplicate name is a warning, not an error');
  await name.fill('shipping_notice_2');
  await duplicate.waitFor({ state: 'detached' });

  await page.getByLabel('Message content').fill('Your parcel {{1}} is on its way. REFUSE ME');
  await page.getByLabel('Sample for {{1}}').fill('A1');
  await page.getByRole('button', { name: 'Save and submit' }).click();
  const refusal = page.locator('#body-diagnostics [data-code=provider_refused]');
  await refusal.filter({ hasText: 'The message body is not formatted correctly.' }).waitFor();
  await page.waitForURL(/\/templates\/\d+$/);
  await page.getByTestId('editor-status').filter({ hasText: 'DRAFT' }).waitFor();

  // The refusal is shown while the text is the refused one.
  await page.getByLabel('Message content').fill('Your parcel {{1}} is on its way. REJECT ME');
  await refusal.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Save and submit' }).click();
  await page.getByTestId('editor-status').filter({ hasText: /PENDING|REJECTED/ }).waitFor();
  await page.getByRole('link', { name: 'Back to templates' }).click();
  const row = page.getByTestId('template-row').filter({ hasText: 'shipping_notice_2' });
  await row.getByTestId('status').filter({ hasText: 'REJECTED' }).waitFor({ timeout: 15_000 });
  await row.getByRole('link', { name: 'Edit' }).click();
  await page.locator('[data-code=template_rejected]').filter({ hasText: 'INVALID_FORMAT' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'template-rejected.png'), fullPage: true });
  assert.equal(await page.locator('[data-code=template_rejected]').count(), 1);
  // The browser logs the refused submission's answer; nothing else went wrong.
  assert.deepEqual(problems, ['console: Failed to load resource: the server responded with a status of 502 (Bad Gateway)']);
});

test('a deep link is served the app, not a 404', async () => {
  const response = await fetch(`${relay.baseUrl}/templates/new`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<title>Herald<\/title>/);
});

test('a template file is exported from its page and imported from the templates page', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  const api = adminApi(relay.baseUrl);
  const [account] = await api('/accounts');
  const made = await api(`/accounts/${account.id}/templates`, {
    method: 'POST',
    body: JSON.stringify({
      name: 'shipping_notice', language: 'en_US', category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hello {{1}}, your parcel left our warehouse today.', example: { body_text: [['Ann']] } }],
      herald: { mapping: { body: { 1: { field: 'first_name' } } } },
    }),
  });
  await page.goto(`${relay.baseUrl}/templates/${made.id}`);
  const exportLink = page.getByTestId('export-template');
  const exported = JSON.parse(await (await page.request.get(await exportLink.evaluate((link) => link.href))).text());
  assert.ok(exported.name && Array.isArray(exported.components), JSON.stringify(exported));

  // The same file under another name comes back as a new draft, opened in the workspace.
  await page.goto(`${relay.baseUrl}/templates`);
  const copy = { ...exported, name: `${exported.name}_copy` };
  await page.getByTestId('template-file').setInputFiles({
    name: 'copy.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(copy)),
  });
  await page.waitForURL(/\/templates\/\d+$/);
  const nameField = page.getByLabel('Name', { exact: true });
  await page.waitForFunction((wanted) => [...document.querySelectorAll('input')].some((input) => input.value === wanted), copy.name);
  assert.equal(await nameField.inputValue(), copy.name);

  // A file the core refuses says why, and nothing is created.
  await page.goto(`${relay.baseUrl}/templates`);
  const broken = { ...exported, name: 'Not A Valid Name' };
  await page.getByTestId('template-file').setInputFiles({
    name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)),
  });
  await page.getByRole('alert').filter({ hasText: 'The file was not imported' }).waitFor();
  // The refusal is the relay's 422, logged by the browser as a failed request: nothing else.
  assert.deepEqual(problems.filter((problem) => !problem.includes('422')), []);
});
