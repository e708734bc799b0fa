// An admin manages users in the page: adds an agent, makes it an admin and back, disables it
// (asked first; its sign-in refused), enables it with a new password it then signs in with,
// and cannot disable the last active admin.

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

/** Signs in through the API as `username`: the answer's status. */
async function signInStatus(username, password) {
  const response = await fetch(`${relay.baseUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return response.status;
}

test('an admin adds, promotes, disables and re-enables a user with a new password', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Users' }).click();
  const form = page.getByRole('form', { name: 'New user' });
  await form.getByLabel('User name').fill('maria');
  await form.getByLabel('Password (12 characters at least)').fill('maria-password-1');
  await form.getByRole('button', { name: 'Add user' }).click();
  await page.getByText('maria can sign in now.').waitFor();
  const maria = page.getByTestId('user-row').filter({ hasText: 'maria' });
  assert.equal(await maria.getByLabel('Role of maria').inputValue(), 'agent');

  await maria.getByLabel('Role of maria').selectOption('admin');
  await page.getByText('maria is now admin and enabled.').waitFor();
  await maria.getByLabel('Role of maria').selectOption('agent');
  await page.getByText('maria is now agent and enabled.').waitFor();

  const asked = [];
  page.once('dialog', (dialog) => { asked.push(dialog.message()); dialog.accept(); });
  await maria.getByRole('button', { name: 'Disable' }).click();
  await maria.getByTestId('user-state').filter({ hasText: 'Disabled' }).waitFor();
  assert.deepEqual(asked, ['Disable maria? They are signed out and cannot sign in.']);
  assert.equal(await signInStatus('maria', 'maria-password-1'), 409);

  page.once('dialog', (dialog) => dialog.accept());
  await maria.getByRole('button', { name: 'Enable' }).click();
  await maria.getByTestId('user-state').filter({ hasText: 'Active' }).waitFor();
  await maria.getByLabel('New password for maria').fill('a-new-password-2');
  await maria.getByRole('button', { name: 'Set password' }).click();
  await page.getByText("maria's password is set; their sessions ended.").waitFor();
  assert.equal(await signInStatus('maria', 'maria-password-1'), 401);
  assert.equal(await signInStatus('maria', 'a-new-password-2'), 200);

  // The only active admin cannot be disabled: the relay says why.
  const admin = page.getByTestId('user-row').filter({ hasText: 'admin (you)' });
  page.once('dialog', (dialog) => dialog.accept());
  await admin.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('alert').filter({ hasText: 'admin is the only active admin: make another user admin first' }).waitFor();
  await admin.getByTestId('user-state').filter({ hasText: 'Active' }).waitFor();
  await page.screenshot({ path: join(artifactsDir, 'users.png'), fullPage: true });
  // The refused change leaves a console error from the failed request, nothing else.
  assert.deepEqual(problems.filter((problem) => !problem.includes('409')), []);
});

test('the users page works on a phone', async () => {
  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByTestId('user-row').filter({ hasText: 'admin (you)' }).waitFor();
  const form = page.getByRole('form', { name: 'New user' });
  await form.getByLabel('User name').fill('phone_agent');
  await form.getByLabel('Password (12 characters at least)').fill('phone-password-1');
  await form.getByRole('button', { name: 'Add user' }).click();
  await page.getByText('phone_agent can sign in now.').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the users page is ${width} px wide on a 390 px screen`);
  const formRight = await form.evaluate((element) => element.getBoundingClientRect().right);
  assert.ok(formRight <= 390, `the new-user form ends at ${formRight} px`);
  await page.screenshot({ path: join(artifactsDir, 'users-phone.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
