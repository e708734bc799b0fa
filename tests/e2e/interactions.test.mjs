// An agent's day: sign in straight to Interactions, open a contact, send a template available to
// agents, see the contact's answer arrive without reloading, then answer with text inside the
// customer service window the reply opened. On a phone: the inbox with its unread count, one
// pane at a time, a conversation closed and found under Closed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminApi, artifactsDir, createUser, launchBrowser, openPage, signIn, startRelay } from './harness.mjs';

let relay;
let browser;
let api;

before(async () => {
  // Every message is answered, quickly: the reply is what opens the window for text.
  relay = await startRelay({ SANDBOX_REPLY_RATE: '1', SANDBOX_REPLY_AFTER_MS: '300', SANDBOX_REPLY_TEXT: 'Yes please' });
  browser = await launchBrowser();
  api = adminApi(relay.baseUrl);
  await createUser(relay.baseUrl, { username: 'agent', password: 'agent-password-1', role: 'agent' });
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

/** An approved template available to agents, named `name`. */
async function agentTemplate(account, name) {
  const template = await api(`/accounts/${account.id}/templates`, {
    method: 'POST',
    body: JSON.stringify({
      name, language: 'en_US', category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hello {{1}}, your callback is booked.', example: { body_text: [['Ann']] } }],
      herald: { mapping: { body: { 1: { field: 'first_name' } } }, available_to_agents: true },
    }),
  });
  await api(`/templates/${template.id}/submit`, { method: 'POST' });
  for (let waited = 0; (await api(`/templates/${template.id}`)).status !== 'APPROVED'; waited += 200) {
    assert.ok(waited < 20_000, 'the sandbox did not approve the template');
    await new Promise((wake) => setTimeout(wake, 200));
  }
  return template;
}

test('an agent sends a template, sees the answer arrive and replies with text', async () => {
  const [account] = await api('/accounts');
  await agentTemplate(account, 'callback_offer');

  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await signIn(page, relay.baseUrl, 'agent', 'agent-password-1');
  await page.getByRole('heading', { name: 'Interactions' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Templates' }).count(), 0, 'agents see no Templates');
  await page.getByLabel("Contact's number").fill('+49 151 0000 777');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('window').filter({ hasText: 'No messages yet' }).waitFor();
  assert.ok(!(await page.getByRole('form', { name: 'Send text' }).isVisible()), 'no text before the contact writes');

  await page.getByLabel('Template', { exact: true }).selectOption({ label: 'callback_offer' });
  await page.getByLabel('First name').fill('Ann');
  // Before sending: the message as the contact will read it, with the values typed.
  await page.getByTestId('send-preview').getByText('Hello Ann, your callback is booked.').waitFor();
  await page.getByRole('button', { name: 'Send template' }).click();
  const messages = page.getByTestId('messages');
  await messages.locator('[data-kind="template"]').filter({ hasText: 'Hello Ann, your callback is booked.' }).waitFor();
  await messages.locator('.inbound').filter({ hasText: 'Yes please' }).waitFor({ timeout: 15_000 });
  await page.getByTestId('window').filter({ hasText: 'text or a template can be sent' }).waitFor();

  await page.getByLabel('Text', { exact: true }).fill('Great, talk soon!');
  await page.getByRole('button', { name: 'Send text' }).click();
  await messages.locator('[data-kind="text"].outbound').filter({ hasText: 'Great, talk soon!' }).waitFor();
  // An interactive list inside the window: checked as it is typed, then sent.
  await page.getByText('Send a list of options').click();
  const listForm = page.getByRole('form', { name: 'Send list' });
  await listForm.getByLabel('Message').fill('When shall we call?');
  await listForm.getByLabel('Button').fill('Pick a time');
  await listForm.getByLabel(/^Options, one per line/).fill('Morning | 9 to 12\n# Later\nAfternoon');
  await listForm.getByTestId('list-problem').filter({ hasText: 'list.sections[0].title' }).waitFor();
  assert.ok(await listForm.getByRole('button', { name: 'Send list' }).isDisabled());
  await listForm.getByLabel(/^Options, one per line/).fill('Morning | 9 to 12\nAfternoon');
  await listForm.getByRole('button', { name: 'Send list' }).click();
  await messages.locator('[data-kind="list"].outbound').filter({ hasText: 'When shall we call?' }).waitFor();
  await page.getByTestId('conversations').getByText('491510000777').waitFor();

  // A number of the account's contacts: its names fill the template's fields.
  await page.getByLabel("Contact's number").fill('+49 151 12345001');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: '4915112345001' }).waitFor();
  await page.waitForFunction(() => document.getElementById('message-first-name')?.value === 'Anna');
  assert.equal(await page.getByLabel('Last name').inputValue(), 'Schmidt');
  await page.screenshot({ path: join(artifactsDir, 'interactions.png'), fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});

test('on a phone the inbox counts unread answers and a closed conversation moves to Closed', async () => {
  const [account] = await api('/accounts');
  const template = await agentTemplate(account, 'phone_offer');
  // Contact 393402211333 is the demo list's (a name); the sandbox answers "Yes please".
  await api(`/accounts/${account.id}/messages`, {
    method: 'POST',
    body: JSON.stringify({ to: '393402211333', template_id: template.id, fields: { first_name: 'Marco' } }),
  });
  for (let waited = 0; ; waited += 200) {
    const listed = await api(`/accounts/${account.id}/conversations`);
    if (listed.some((shown) => shown.phone === '393402211333')) break;
    assert.ok(waited < 15_000, 'the sandbox did not answer');
    await new Promise((wake) => setTimeout(wake, 200));
  }

  const { page, problems } = await openPage(browser.context, `${relay.baseUrl}/login`);
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, relay.baseUrl, 'agent', 'agent-password-1');
  const entry = page.getByTestId('conversations').getByRole('button').filter({ hasText: '393402211333' });
  await entry.getByTestId('unread').filter({ hasText: '1' }).waitFor();
  const name = (await entry.locator('strong').textContent()).trim();
  assert.notEqual(name, '393402211333', 'the contact is named, its number below');
  await page.screenshot({ path: join(artifactsDir, 'inbox-phone.png'), fullPage: true });
  await entry.click();

  const thread = page.getByTestId('thread');
  await thread.getByTestId('messages').locator('.inbound').filter({ hasText: 'Yes please' }).waitFor();
  assert.ok(!(await page.getByTestId('conversations').isVisible()), 'one pane at a time on a phone');
  const ticks = thread.locator('.outbound .ticks');
  assert.match(await ticks.first().getAttribute('aria-label'), /^(sent|delivered|read)$/);
  assert.match(await thread.locator('.inbound time').first().textContent(), /^\d\d:\d\d$/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the thread is ${width} px wide on a 390 px screen`);
  await page.screenshot({ path: join(artifactsDir, 'thread-phone.png'), fullPage: true });

  await thread.getByRole('button', { name: 'Close conversation' }).click();
  await thread.getByTestId('conversation-state').filter({ hasText: 'Closed' }).waitFor();
  await thread.getByRole('button', { name: '← Conversations' }).click();
  await page.getByRole('tab', { name: /^Closed/ }).click();
  const closed = page.getByTestId('conversations').getByRole('button').filter({ hasText: name });
  await closed.getByText('Closed').waitFor();
  assert.equal(await closed.getByTestId('unread').count(), 0, 'read once opened');
  await page.getByRole('tab', { name: /^Open/ }).click();
  assert.equal(
    await page.getByTestId('conversations').getByRole('button').filter({ hasText: name }).count(),
    0,
    'a closed conversation leaves the Open tab',
  );
  await page.close();
  assert.deepEqual(problems, []);
});
