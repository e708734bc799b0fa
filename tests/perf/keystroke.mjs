// Per-keystroke cost of the template editor, measured inside the page: types a 1,024-character
// body with 10 variables into the editor in headless Chromium, one character per input event,
// and takes two times from dispatching each event:
// - feedback: the last DOM change the event caused outside the sample inputs and the mapping
//   table (the counter, the findings of every field, the underlined copy, the preview): the
//   issue's "time from input event to updated diagnostics and preview";
// - everything: the last DOM change anywhere, once the browser has been idle, including the
//   sample input and mapping row a closing `}}` adds (the page builds those at idle time).
// Then sums the gzipped size of the shipped wasm, JavaScript and CSS.
//
// Run after `cargo xtask run` built the app (or `trunk build --release` and
// `cargo build -p relay`): `npm run perf:keystroke`. `HERALD_PERF_SLOWEST=30` also lists the 30
// slowest events (by feedback time) with the text just typed. `HERALD_PERF_TEMPLATE=carousel`
// types the same body into a carousel of 10 cards (each with its media, text and two buttons),
// so every card's editor and preview is on the page.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { adminPassword, launchBrowser, openPage, repositoryRoot, signIn, startRelay } from '../e2e/harness.mjs';

function body() {
  const variables = Array.from({ length: 10 }, (_, index) => `{{${index + 1}}}`);
  let text = 'Dear customer, ';
  for (const variable of variables) {
    text += `here is the detail number ${variable} of your order, kindly check it. `;
  }
  const filler = ' Thank you for shopping with us and have a pleasant day.';
  while (text.length < 1024) text += filler;
  return text.slice(0, 1024);
}

/** A saved carousel of 10 cards, each with its media link, a text and two buttons. */
async function carousel(page, baseUrl) {
  const card = (index) => ({
    components: [
      { type: 'HEADER', format: 'IMAGE' },
      { type: 'BODY', text: `Fresh pick number ${index + 1} for your table, {{1}} today.`, example: { body_text: [['FRESH']] } },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'More like this' },
          { type: 'URL', text: 'Buy now', url: `https://shop.example.com/${index}/{{1}}`, example: ['https://shop.example.com/1/a'] },
        ],
      },
    ],
  });
  const response = await page.request.post(`${baseUrl}/api/v1/accounts/1/templates`, {
    data: {
      name: 'perf_carousel', language: 'en_US', category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Hello, our picks of the week.' },
        { type: 'CAROUSEL', cards: Array.from({ length: 10 }, (_, index) => card(index)) },
      ],
      herald: {
        card_media: Array.from({ length: 10 }, (_, index) => ({
          file_name: `pick-${index}.png`, mime_type: 'image/png', size_bytes: 1000, link: `https://cdn.example.com/pick-${index}.png`,
        })),
      },
    },
  });
  if (response.status() !== 201) throw new Error(`the carousel was not saved: ${await response.text()}`);
  return (await response.json()).id;
}

function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

const relay = await startRelay();
const browser = await launchBrowser();
try {
  const { page } = await openPage(browser.context, `${relay.baseUrl}/`);
  await signIn(page, relay.baseUrl, 'admin', adminPassword);
  const mode = process.env.HERALD_PERF_TEMPLATE ?? 'standard';
  if (mode === 'carousel') {
    await page.goto(`${relay.baseUrl}/templates/${await carousel(page, relay.baseUrl)}`);
    await page.getByTestId('card').nth(9).waitFor();
  } else {
    await page.goto(`${relay.baseUrl}/templates/new?account=1`);
  }
  await page.getByLabel('Message content').waitFor();
  const text = body();
  const rounds = Number(process.env.HERALD_PERF_ROUNDS ?? 5);
  const { feedback: feedbackRounds, everything: everythingRounds, mutations } = await page.evaluate(
    async ({ full, rounds }) => {
      const area = document.getElementById('body');
      const deferredParts = '.mapping, [data-testid=samples]';
      let lastFeedback = 0;
      let lastChange = 0;
      let records = 0;
      const observer = new MutationObserver((changes) => {
        const now = performance.now();
        lastChange = now;
        records += changes.length;
        const element = (node) => (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
        const deferredElement = (node) => node.nodeType === Node.ELEMENT_NODE && node.matches(deferredParts);
        // Showing the samples for the first variable inserts them into the form, with the
        // placeholder comments that mark their place: a change of the form's children made
        // only of deferred parts and comments, in a form that holds a deferred part, is theirs.
        const ownedByDeferred = (change) => {
          if (element(change.target)?.closest(deferredParts)) return true;
          if (change.type !== 'childList') return false;
          const nodes = [...change.addedNodes, ...change.removedNodes];
          const holdsDeferred = [...change.target.children].some(deferredElement) || nodes.some(deferredElement);
          return holdsDeferred && nodes.every((node) => node.nodeType === Node.COMMENT_NODE || deferredElement(node));
        };
        if (changes.some((change) => !ownedByDeferred(change))) lastFeedback = now;
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      const settle = () => new Promise((done) => setTimeout(done, 0));
      const idle = () => new Promise((done) => requestIdleCallback(() => done(), { timeout: 200 }));
      const since = (started, at) => (at > 0 ? at - started : 0);
      const type = async (value) => {
        await settle();
        // The browser edits the value before it fires `input`: the clock starts at the event.
        area.value = value;
        lastFeedback = 0;
        lastChange = 0;
        records = 0;
        const started = performance.now();
        area.dispatchEvent(new Event('input', { bubbles: true }));
        await settle();
        await settle();
        await idle();
        await settle();
        return { feedback: since(started, lastFeedback), everything: since(started, lastChange) };
      };
      const feedback = [];
      const everything = [];
      const mutations = [];
      for (let round = 0; round < rounds; round += 1) {
        if (round > 0) await type('');
        feedback.push([]);
        everything.push([]);
        for (let length = 1; length <= full.length; length += 1) {
          const timing = await type(full.slice(0, length));
          feedback[round].push(timing.feedback);
          everything[round].push(timing.everything);
          if (round === 0) mutations.push(records);
        }
      }
      observer.disconnect();
      return { feedback, everything, mutations };
    },
    { full: text, rounds },
  );
  const counter = await page.getByTestId('body-counter').textContent();
  if (counter.trim() !== '1024 / 1024') throw new Error(`the editor did not follow: ${counter}`);
  // Each keystroke does the same work in every round, while the machine's noise (another
  // process taking the core, a compilation, a collection) lands on a different keystroke each
  // round: the median of the rounds is the keystroke's own cost, the rounds apart show the noise.
  // The upper middle value when the number of rounds is even.
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const perKeystroke = (timings) => timings[0].map((_, index) => median(timings.map((round) => round[index])));
  const feedback = perKeystroke(feedbackRounds);
  const everything = perKeystroke(everythingRounds);
  const slowest = Number(process.env.HERALD_PERF_SLOWEST ?? 0);
  if (slowest > 0) {
    const ranked = feedback.map((ms, index) => ({ ms, index, typed: text[index] })).sort((a, b) => b.ms - a.ms);
    for (const { ms, index, typed } of ranked.slice(0, slowest)) {
      console.log(`slow: ${ms.toFixed(2)} ms at character ${index + 1} ${JSON.stringify(typed)}: …${JSON.stringify(text.slice(Math.max(0, index - 12), index + 1))}`);
    }
  }
  console.log(
    `machine: ${(await import('node:os')).cpus().length} cores; Chromium headless; template: ${mode}; ` +
      `${feedback.length} input events, typed ${rounds} times`,
  );
  const counted = [...mutations].sort((a, b) => a - b);
  console.log(
    `DOM mutation records per input event: p50 ${percentile(counted, 0.5)}, p99 ${percentile(counted, 0.99)}, ` +
      `total ${counted.reduce((sum, count) => sum + count, 0)}`,
  );
  const report = (label, timings) => {
    const sorted = [...timings].sort((a, b) => a - b);
    console.log(
      `${label}: p50 ${percentile(sorted, 0.5).toFixed(2)} ms, ` +
        `p99 ${percentile(sorted, 0.99).toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms`,
    );
  };
  feedbackRounds.forEach((timings, round) => report(`round ${round + 1}, input event to updated diagnostics and preview`, timings));
  report(`all ${rounds} rounds pooled, input event to updated diagnostics and preview`, feedbackRounds.flat());
  report(`median of ${rounds} rounds, input event to updated diagnostics and preview`, feedback);
  const braces = feedback.filter((_, index) => '{}'.includes(text[index]));
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  console.log(
    `  of which the ${braces.length} braces (a variable opens or closes): mean ${mean(braces).toFixed(2)} ms; ` +
      `the other characters: mean ${mean(feedback.filter((_, index) => !'{}'.includes(text[index]))).toFixed(2)} ms`,
  );
  report(`median of ${rounds} rounds, input event to last DOM update, rows built at idle included`, everything);
} finally {
  await browser.close();
  await relay.stop();
}

const dist = process.env.HERALD_WEB_DIR ?? join(repositoryRoot, 'dist');
let total = 0;
for (const name of await readdir(dist)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const bytes = await readFile(join(dist, name));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  total += gzipped;
  console.log(`${name}: ${bytes.length} B, ${gzipped} B gzipped`);
}
console.log(`total gzipped wasm + JS + CSS: ${total} B (${(total / 1024).toFixed(1)} KiB)`);
