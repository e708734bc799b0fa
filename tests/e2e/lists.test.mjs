// A list's own page against the real relay: its contacts page by page, searched by phone or
// name and filtered by opt-out; a contact added, edited (custom fields too), taken out of the
// list and deleted; the list renamed and deleted. At 1280 px, and the same page at 390 px.

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

/** A new list named `name` holding 60 guests and Ada Lovelace; returns it. */
async function listOfGuests(name) {
  const [account] = await api('/accounts');
  const list = await api(`/accounts/${account.id}/lists`, { method: 'POST', body: JSON.stringify({ name }) });
  const guests = Array.from({ length: 60 }, (_, n) => `4915300000${String(n).padStart(3, '0')},Guest ${n},Doe`);
  const csv = `phone,first_name,last_name\n${guests.join('\n')}\n491530099001,Ada,Lovelace\n`;
  await api(`/lists/${list.id}/import`, { method: 'POST', body: csv });
  return list;
}

/** Waits until the only contact row shown is the one of `phone`; returns it. */
async function onlyRow(page, phone) {
  await page.waitForFunction((wanted) => {
    const rows = document.querySelectorAll('[data-testid=contact-row]');
    return rows.length === 1 && rows[0].dataset.phone === wanted;
  }, phone);
  return page.getByTestId('contact-row');
}

/** Waits until the page shows `count` contact rows. */
async function rowsShown(page, count) {
  await page.waitForFunction(
    (wanted) => document.querySelectorAll('[data-testid=contact-row]').length === wanted,
    count,
  );
}

test('a list is browsed and edited in its own page', async () => {
  await listOfGuests('Autumn');
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  page.on('dialog', (dialog) => dialog.accept());
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Lists' }).click();
  await page.getByRole('link', { name: 'Autumn' }).click();
  const title = page.getByTestId('list-title');
  await title.filter({ hasText: 'Autumn (61 contacts)' }).waitFor();
  await rowsShown(page, 50);
  await page.getByRole('button', { name: 'Next' }).click();
  await rowsShown(page, 11);
  await page.getByRole('button', { name: 'Previous' }).click();
  await rowsShown(page, 50);

  const search = page.getByLabel('Search');
  await search.fill('ada love');
  const ada = await onlyRow(page, '491530099001');
  await ada.getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit contact' });
  assert.equal(await form.getByLabel('First name').inputValue(), 'Ada');
  await form.getByLabel('First name').fill('Augusta Ada');
  await form.getByLabel(/Custom fields/).fill('tier: gold');
  await form.getByRole('button', { name: 'Save contact' }).click();
  await search.fill('augusta');
  await ada.filter({ hasText: 'Augusta Ada Lovelace' }).filter({ hasText: 'tier: gold' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'list-page.png'), fullPage: true });

  await search.fill('4915300000000');
  await (await onlyRow(page, '4915300000000')).getByRole('button', { name: 'Remove from list' }).click();
  await rowsShown(page, 0);
  await title.filter({ hasText: '(60 contacts)' }).waitFor();
  await search.fill('4915300000001');
  await (await onlyRow(page, '4915300000001')).getByRole('button', { name: 'Delete' }).click();
  await rowsShown(page, 0);
  await title.filter({ hasText: '(59 contacts)' }).waitFor();

  const adding = page.getByRole('form', { name: 'Add a contact' });
  await adding.getByLabel('Phone').fill('+49 153 0099 002');
  await adding.getByLabel('First name').fill('Bea');
  await adding.getByRole('button', { name: 'Save contact' }).click();
  await search.fill('bea');
  await page.locator('[data-testid=contact-row][data-phone="491530099002"]').waitFor();
  await title.filter({ hasText: '(60 contacts)' }).waitFor();

  await search.fill('');
  await page.getByLabel('Show').selectOption({ label: 'Opted out' });
  await rowsShown(page, 0);
  await page.getByLabel('Show').selectOption({ label: 'Every contact' });
  await rowsShown(page, 50);

  await page.getByLabel('New name').fill('Winter');
  await page.getByRole('button', { name: 'Rename' }).click();
  await title.filter({ hasText: 'Winter (60 contacts)' }).waitFor();
  await page.getByRole('button', { name: 'Delete list' }).click();
  await page.waitForURL(/\/lists$/);
  await page.getByTestId('list-row').filter({ hasText: 'Demo list' }).waitFor();
  assert.equal(await page.getByTestId('list-row').filter({ hasText: 'Winter' }).count(), 0);
  assert.deepEqual(problems, []);
});

test('a list page works on a phone', async () => {
  const list = await listOfGuests('Phone');
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.goto(`${relay.baseUrl}/lists/${list.id}`);
  await page.getByTestId('list-title').filter({ hasText: 'Phone (61 contacts)' }).waitFor();
  await page.getByLabel('Search').fill('lovelace');
  await (await onlyRow(page, '491530099001')).getByRole('button', { name: 'Edit' }).click();
  const form = page.getByRole('form', { name: 'Edit contact' });
  await form.getByLabel('Email').fill('ada@example.com');
  const formRight = await form.evaluate((element) => element.getBoundingClientRect().right);
  assert.ok(formRight <= 390, `the contact form is ${formRight} px wide on a 390 px screen`);
  await form.getByRole('button', { name: 'Save contact' }).click();
  await page.getByTestId('contact-row').filter({ hasText: 'ada@example.com' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'list-page-phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
