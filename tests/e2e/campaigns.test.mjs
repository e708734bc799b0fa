// Lists and campaigns against the real relay and its sandbox provider: import a CSV through the
// column-mapping step (a bad row reported, the good ones kept), create a campaign from an
// approved template, and watch its progress arrive by server-sent events without reloading.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminApi, adminPassword, artifactsDir, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

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

test('a CSV becomes a list and a campaign to it reports its progress live', async () => {
  const [account] = await api('/accounts');
  const template = await api(`/accounts/${account.id}/templates`, {
    method: 'POST',
    body: JSON.stringify({
      name: 'spring_offer', language: 'en_US', category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Hello {{1}}, our spring offer is here.', example: { body_text: [['Ann']] } }],
      herald: { mapping: { body: { 1: { field: 'first_name' } } } },
    }),
  });
  await api(`/templates/${template.id}/submit`, { method: 'POST' });
  for (let waited = 0; (await api(`/templates/${template.id}`)).status !== 'APPROVED'; waited += 200) {
    assert.ok(waited < 20_000, 'the sandbox did not approve the template');
    await new Promise((wake) => setTimeout(wake, 200));
  }

  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Lists' }).click();
  await page.getByTestId('list-row').filter({ hasText: 'Demo list' }).waitFor();
  await page.getByLabel('New list').fill('Spring');
  await page.getByRole('button', { name: 'Create list' }).click();
  const spring = page.getByTestId('list-row').filter({ hasText: 'Spring' });
  await spring.getByRole('button', { name: 'Import CSV' }).click();
  const csv = 'Phone;Given name;Tier\r\n+49 151 2345 0001;Anna;gold\r\n+49 151 2345 0002;Ben;silver\r\nnot a phone;Eve;gold\r\n';
  await page.getByTestId('csv-file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('column-mapping').waitFor();
  assert.equal(await page.getByLabel('Column Given name').inputValue(), 'first_name');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-report').filter({ hasText: '3 rows read: 2 new contacts, 0 updated, 1 refused.' }).waitFor();
  assert.match(await page.locator('.row-errors').innerText(), /Row 4, phone/);
  await spring.getByTestId('list-size').filter({ hasText: '2' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'lists-import.png'), fullPage: true });

  await page.getByRole('link', { name: 'Campaigns' }).click();
  const form = page.getByRole('form', { name: 'New campaign' });
  await form.getByLabel('Name').fill('Spring');
  await form.getByLabel('Template (approved)').selectOption({ label: 'spring_offer' });
  await form.getByLabel('Spring (2)').check();
  // The eye shows the template as a contact of a list would read it.
  await form.getByRole('button', { name: 'Preview', exact: true }).click();
  const preview = form.getByTestId('campaign-preview');
  await preview.getByText('Hello Ann, our spring offer is here.').waitFor();
  await preview.getByLabel('Preview with a contact of').selectOption({ label: 'Spring' });
  await preview.getByLabel('Contact', { exact: true }).selectOption({ index: 1 });
  await preview.getByText('Hello Anna, our spring offer is here.').waitFor();
  // A dry run: the messages as the first contacts would read them, nothing sent.
  await form.getByRole('button', { name: 'Dry run' }).click();
  const dryRun = form.getByTestId('dry-run');
  await dryRun.getByText('2 would get the message, 0 would be skipped (nothing was sent).').waitFor();
  assert.deepEqual(
    await dryRun.getByTestId('dry-run-message').locator('p').allTextContents(),
    ['Hello Anna, our spring offer is here.', 'Hello Ben, our spring offer is here.'],
  );
  assert.equal((await api('/campaigns')).filter((found) => found.name === 'Spring').length, 0, 'a dry run creates nothing');
  // Asked first: how many contacts, how long, how fast; a no creates nothing.
  const asked = [];
  page.once('dialog', (dialog) => { asked.push(dialog.message()); dialog.dismiss(); });
  await form.getByRole('button', { name: 'Create and start' }).click();
  assert.deepEqual(asked, ['2 contacts, about a second at 80/s. Create and start the campaign?']);
  assert.equal((await api('/campaigns')).filter((found) => found.name === 'Spring').length, 0);
  page.once('dialog', (dialog) => dialog.accept());
  await form.getByRole('button', { name: 'Create and start' }).click();
  const row = page.getByTestId('campaign-row').filter({ hasText: 'Spring' });
  await row.waitFor();
  // The form starts again empty: a second click cannot make a second campaign.
  assert.equal(await form.getByLabel('Name').inputValue(), '');
  await row.getByRole('button', { name: 'Spring' }).click();
  // Pushed by the relay: total 2, nothing fresh once both are sent.
  await page.getByTestId('live-counts').filter({ hasText: /^\s*2\s*0\s*0/ }).waitFor({ timeout: 20_000 });
  await page.getByTestId('recent').filter({ hasText: '4915123450001' }).waitFor();
  // The campaigns list says what the contacts came to (refreshed every few seconds).
  await row.getByTestId('results').filter({ hasText: '2 sent' }).waitFor({ timeout: 10_000 });
  // The results: the funnel from sent on (refreshed every few seconds), the pace, no failures.
  const funnel = page.getByTestId('funnel');
  await funnel.locator('[data-stage="Sent"][data-count="2"]').waitFor({ timeout: 10_000 });
  await funnel.locator('[data-stage="Delivered"][data-count="2"]').waitFor({ timeout: 10_000 });
  assert.match(await funnel.getAttribute('aria-label'), /^Funnel: Sent 2, Delivered 2, Read \d, Replied \d, Failed 0$/);
  await page.getByTestId('per-minute').locator('rect').first().waitFor();
  await page.getByTestId('campaign-results').getByText('No failures.').waitFor();
  await page.getByTestId('live').screenshot({ path: join(artifactsDir, 'campaign-results.png') });
  // The editor's Settings tab: what was saved.
  await page.getByRole('tab', { name: 'Settings' }).click();
  const settings = page.getByTestId('campaign-settings');
  await settings.getByText('Response timeout').waitFor();
  assert.match(await settings.innerText(), /Response timeout\s+1 day\b/);
  await page.getByRole('tab', { name: 'Hopper' }).click();
  await page.getByTestId('live-counts').waitFor();
  // The Contacts History, filtered by outcome, and its CSV export.
  await page.getByRole('tab', { name: 'Contacts History' }).click();
  await page.getByLabel('Outcome').selectOption('answered');
  const exportLink = page.getByTestId('history-export');
  await page.waitForFunction(() => document.querySelector('[data-testid="history-export"]')?.href.endsWith('history.csv?outcome=answered'));
  const exported = await (await page.request.get(await exportLink.evaluate((link) => link.href))).text();
  const exportedLines = exported.trim().split('\n');
  assert.equal(exportedLines[0], 'phone,state,outcome,reason,error_code,answer,attempts,sent_at,delivered_at,closed_at');
  assert.ok(exportedLines.slice(1).every((line) => line.includes(',closed,answered,')), exported);

  // Several lists and a start date: it waits, scheduled, and the question says so.
  await form.getByLabel('Name').fill('Later');
  await form.getByLabel('Template (approved)').selectOption({ label: 'spring_offer' });
  await form.getByLabel('Spring (2)').check();
  await form.getByLabel('Demo list (5)').check();
  await form.getByLabel('Start (blank: at once)').fill('2099-01-01T09:00');
  const laterAsked = [];
  page.once('dialog', (dialog) => { laterAsked.push(dialog.message()); dialog.accept(); });
  await form.getByRole('button', { name: 'Create and start' }).click();
  const later = page.getByTestId('campaign-row').filter({ hasText: 'Later' });
  await later.getByTestId('status').filter({ hasText: 'SCHEDULED' }).waitFor();
  assert.deepEqual(laterAsked, ['7 contacts, about a second at 80/s. Create the campaign to start at the date chosen?']);
  const [scheduled] = (await api('/campaigns')).filter((found) => found.name === 'Later');
  assert.equal(scheduled.list_ids.length, 2);
  assert.equal(new Date(scheduled.start_at).getFullYear(), 2099);
  // Edit: the form comes back filled in; Save keeps what was changed.
  await later.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('form', { name: 'Edit campaign' });
  assert.equal(await edit.getByLabel('Name').inputValue(), 'Later');
  assert.equal(await edit.getByLabel('Template (approved)').locator('option:checked').textContent(), 'spring_offer');
  assert.match(await edit.getByLabel('Start (blank: at once)').inputValue(), /^2099-01-01T09:00$/);
  await edit.getByLabel('Response timeout (days)').fill('3');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('form', { name: 'New campaign' }).waitFor();
  const [edited] = (await api('/campaigns')).filter((found) => found.name === 'Later');
  assert.equal(edited.response_timeout_days, 3);
  // Add List: only the lists it does not have yet are offered.
  await later.getByText('Add List').click();
  const picker = later.getByLabel('List to add');
  assert.deepEqual(await picker.locator('option').allTextContents(), ['—', 'Master list (7)']);
  await picker.selectOption({ label: 'Master list (7)' });
  await later.getByRole('button', { name: 'Add', exact: true }).click();
  for (let waited = 0; (await api('/campaigns')).find((found) => found.name === 'Later').list_ids.length !== 3; waited += 200) {
    assert.ok(waited < 10_000, 'the list was not added');
    await new Promise((wake) => setTimeout(wake, 200));
  }
  await page.screenshot({ path: join(artifactsDir, 'campaign-live.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

test('a large file shows how far its import got', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Lists' }).click();
  await page.getByLabel('New list').fill('Large');
  await page.getByRole('button', { name: 'Create list' }).click();
  const large = page.getByTestId('list-row').filter({ hasText: 'Large' });
  await large.getByRole('button', { name: 'Import CSV' }).click();
  const rows = Array.from({ length: 150_000 }, (_, row) => `49153${String(row).padStart(8, '0')},Ann`);
  const csv = `phone,first_name\n${rows.join('\n')}\n`;
  await page.getByTestId('csv-file').setInputFiles({ name: 'large.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('column-mapping').waitFor();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByTestId('import-progress').filter({ hasText: /% of the file read: \d+ rows/ }).waitFor();
  await page.getByTestId('import-report').filter({ hasText: '150000 rows read: 150000 new contacts' }).waitFor({ timeout: 60_000 });
  await large.getByTestId('list-size').filter({ hasText: '150000' }).waitFor();
  assert.deepEqual(problems, []);
});

test("the campaigns page and a campaign's results fit a phone", async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Campaigns' }).click();
  const row = page.getByTestId('campaign-row').filter({ hasText: 'Spring' });
  await row.getByRole('button', { name: 'Spring' }).click();
  await page.getByTestId('funnel').locator('[data-stage="Sent"][data-count="2"]').waitFor({ timeout: 10_000 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the campaigns page is ${width} px wide on a 390 px screen`);
  const funnelRight = await page.getByTestId('funnel').evaluate((chart) => chart.getBoundingClientRect().right);
  assert.ok(funnelRight <= 390, `the funnel ends at ${funnelRight} px`);
  await page.screenshot({ path: join(artifactsDir, 'campaigns-phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
});

test('a campaign whose template leaves a variable unmapped cannot start, and the form says which', async () => {
  const [account] = await api('/accounts');
  const template = await api(`/accounts/${account.id}/templates`, {
    method: 'POST',
    body: JSON.stringify({
      name: 'half_mapped', language: 'en_US', category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Hello {{1}}, your personal code is {{2}}, valid for the whole of this month at every one of our shops.', example: { body_text: [['Ann', 'X1']] } }],
      herald: { mapping: { body: { 1: { field: 'first_name' }, 2: { custom_field: '' } } } },
    }),
  });
  await api(`/templates/${template.id}/submit`, { method: 'POST' });
  for (let waited = 0; (await api(`/templates/${template.id}`)).status !== 'APPROVED'; waited += 200) {
    assert.ok(waited < 20_000, 'the sandbox did not approve the template');
    await new Promise((wake) => setTimeout(wake, 200));
  }
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Campaigns' }).click();
  const form = page.getByRole('form', { name: 'New campaign' });
  await form.getByLabel('Name').fill('Half');
  await form.getByLabel('Template (approved)').selectOption({ label: 'half_mapped' });
  await form.getByLabel('Demo list (5)').check();
  await form.getByRole('button', { name: 'Dry run' }).click();
  await form.getByTestId('dry-run').filter({ hasText: '{{2}}' }).waitFor();
  page.once('dialog', (dialog) => dialog.accept());
  await form.getByRole('button', { name: 'Create and start' }).click();
  await form.locator('p[role="alert"]:not([data-testid="dry-run"])').filter({ hasText: '{{2}}' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'campaign-unmapped.png'), fullPage: true });
  assert.equal((await api('/campaigns')).filter((found) => found.name === 'Half').length, 0);
  // The refusals are the relay's 400s, logged by the browser as failed requests: nothing else.
  assert.deepEqual(problems.filter((problem) => !problem.includes('400')), []);
});
