// The web console in a real browser (Debian's Chromium, driven by playwright-core), as a
// user goes through it: sign in with the development token, start a CSV export of
// filtered contacts through the form, watch it reach Complete in the log, download it and
// check its rows, cancel a second export, page and filter the log, browse a record and
// its associations, see a contact named like an HTML tag shown as text, look at the lists,
// and use it on a narrow window. A screenshot of each page goes to CONSOLE_SCREENSHOTS.
//
// run.sh starts the server (API only: `--workers 0`) over a seeded data folder and sets
// CONSOLE_BASE_URL, CONSOLE_DATA_DIR and CRM_EXPORTS_BIN; this test starts and stops an
// export worker (`crm-exports worker`) itself, so the second export stays queued until it
// is canceled.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { chromium } from 'playwright-core';

const BASE = process.env.CONSOLE_BASE_URL;
const DATA = process.env.CONSOLE_DATA_DIR;
const BIN = process.env.CRM_EXPORTS_BIN;
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? join(import.meta.dirname, 'screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!BASE || !DATA || !BIN) throw new Error('run tests/console/run.sh, which sets CONSOLE_BASE_URL, CONSOLE_DATA_DIR and CRM_EXPORTS_BIN');
const TOKEN = readFileSync(join(DATA, 'dev-token'), 'utf8').trim();
const XSS_NAME = '<img src=x onerror="window.__xss=1">';
const EXPORT_NAME = 'Customers (browser test)';
const WAIT = { timeout: 30_000 };

mkdirSync(SHOTS, { recursive: true });

/** The API as the test's own client, to arrange data and check what the page shows. */
async function call(method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** RFC 4180 rows (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

function startWorker() {
  const worker = spawn(BIN, ['worker', '--data-dir', DATA, '--log-format', 'json'], { stdio: 'ignore' });
  return {
    async stop() {
      if (worker.exitCode !== null) return;
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    },
  };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Polls `check` until it holds, as a user waits for the page to settle. */
async function until(check, timeout = WAIT.timeout) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `still not so after ${timeout} ms: ${check}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The log's row of the export with this name. */
const logRow = (page, name) => page.locator('table.log tbody tr', { has: page.getByRole('rowheader', { name, exact: true }) });

test('the console, end to end in Chromium', async (t) => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const foreign = [];
  const problems = [];
  page.on('request', (r) => { if (!r.url().startsWith(BASE)) foreign.push(r.url()); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('dialog', (d) => d.accept());
  const worker = { stop: async () => {} };
  t.after(async () => {
    await worker.stop();
    await browser.close();
  });

  await t.test('the page comes from the server under a strict policy and asks for a token', async () => {
    const response = await page.goto(`${BASE}/`);
    const policy = response.headers()['content-security-policy'];
    assert.match(policy, /script-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(page, '01-sign-in');
    await page.getByLabel('Access token').fill('pat-na1-not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not know that token' }).waitFor();
  });

  await t.test('signing in shows the portal and scopes and keeps the token in the tab only', async () => {
    await page.getByLabel('Access token').fill(TOKEN);
    await page.getByLabel('Access token').press('Enter');
    await page.getByRole('heading', { name: 'Exports' }).waitFor();
    await page.getByText('Portal 1', { exact: true }).waitFor();
    await page.locator('.session summary').click();
    await page.locator('.session li', { hasText: 'crm.export' }).first().waitFor();
    await shot(page, '02-signed-in-empty-log');
    await page.locator('.session summary').click();
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('crm-exports.console.token'),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    assert.equal(stored.session, TOKEN);
    assert.equal(stored.local, 0);
    assert.equal(stored.cookie, '');
    assert.ok(!stored.url.includes(TOKEN));
  });

  await t.test('every control of the new-export form has a label', async () => {
    await page.getByRole('link', { name: 'New export' }).click();
    await page.getByRole('heading', { name: 'New export' }).waitFor();
    await page.getByRole('checkbox', { name: 'Email email', exact: true }).waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('main input, main select')]
        .filter((c) => !c.labels?.length && !c.getAttribute('aria-label'))
        .map((c) => c.outerHTML));
    assert.deepEqual(unlabelled, []);
  });

  let exportedRows = 0;
  await t.test('a CSV export of filtered contacts is started through the form', async () => {
    await page.getByLabel('Name', { exact: true }).fill(EXPORT_NAME);
    await page.getByLabel('Filter properties').fill('city');
    await page.getByRole('checkbox', { name: /^City/ }).check();
    await page.getByLabel('Filter properties').fill('');
    await page.getByLabel('Format', { exact: true }).selectOption('CSV');
    const condition = page.locator('.condition').first();
    await condition.getByLabel('Property', { exact: true }).selectOption('lifecyclestage');
    await condition.getByLabel('Operator', { exact: true }).selectOption('EQ');
    await condition.getByLabel('Value', { exact: true }).fill('customer');
    await shot(page, '03-new-export-form');
    await page.getByRole('button', { name: 'Start export' }).click();
    await page.getByText(/was started; it appears below/).waitFor();
    await logRow(page, EXPORT_NAME).waitFor();
    assert.equal(await logRow(page, EXPORT_NAME).locator('.badge').textContent(), 'Pending');
  });

  await t.test('the log shows it reach Complete without a reload, and it downloads', async () => {
    Object.assign(worker, startWorker());
    const row = logRow(page, EXPORT_NAME);
    await row.locator('.badge', { hasText: 'Complete' }).waitFor(WAIT);
    await worker.stop();
    await shot(page, '04-export-complete');
    const search = await call('POST', '/crm/v3/objects/contacts/search', {
      filterGroups: [{ filters: [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }] }],
      limit: 1,
    });
    assert.ok(search.total > 0, 'the seed has customers');
    assert.equal((await row.locator('td').nth(4).textContent()).replace(/,/g, ''), String(search.total));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: `Download ${EXPORT_NAME}` }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const text = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    const rows = parseCsv(text);
    const header = rows[0];
    for (const column of ['Record ID', 'Email', 'First Name', 'Lifecycle Stage', 'City']) {
      assert.ok(header.includes(column), `${column} in ${header}`);
    }
    const stage = header.indexOf('Lifecycle Stage');
    exportedRows = rows.length - 1;
    assert.equal(exportedRows, search.total);
    for (const r of rows.slice(1)) assert.equal(r[stage], 'Customer');
  });

  await t.test('a second export, still queued, is canceled from the log', async () => {
    await page.getByRole('link', { name: 'New export' }).click();
    await page.getByLabel('Name', { exact: true }).fill('To be canceled');
    await page.getByRole('button', { name: 'Start export' }).click();
    const row = logRow(page, 'To be canceled');
    await row.locator('.badge', { hasText: 'Pending' }).waitFor();
    await page.getByRole('button', { name: 'Cancel To be canceled' }).click();
    await row.locator('.badge', { hasText: 'Canceled' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel To be canceled' }).count(), 0);
    await shot(page, '05-export-canceled');
  });

  await t.test('the log pages and filters', async () => {
    for (let i = 1; i <= 11; i += 1) {
      await call('POST', '/crm/v3/exports/export/async', {
        exportType: 'VIEW', exportName: `Queued ${i}`, format: 'XLSX', language: 'EN',
        objectType: 'COMPANY', objectProperties: ['name'],
      });
    }
    await page.getByLabel('Per page').selectOption('10');
    const rows = page.locator('table.log tbody tr');
    await until(async () => (await rows.count()) === 10 && (await rows.first().locator('th').textContent()) === 'Queued 11');
    assert.equal(await page.getByRole('button', { name: '\u2190 Newer' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Older \u2192' }).click();
    await page.getByRole('rowheader', { name: EXPORT_NAME, exact: true }).waitFor();
    assert.deepEqual(await rows.locator('th').allTextContents(), ['Queued 1', 'To be canceled', EXPORT_NAME]);
    assert.equal(await page.getByRole('button', { name: 'Older \u2192' }).isDisabled(), true);
    await shot(page, '06-log-page-2');
    await page.getByRole('button', { name: '\u2190 Newer' }).click();
    await page.getByRole('rowheader', { name: 'Queued 11', exact: true }).waitFor();
    await page.getByLabel('State', { exact: true }).selectOption('DONE');
    await page.getByRole('rowheader', { name: 'Queued 11', exact: true }).waitFor({ state: 'detached' });
    await until(async () => (await rows.count()) === 1);
    assert.deepEqual(await rows.locator('th').allTextContents(), [EXPORT_NAME]);
    await page.getByLabel('State', { exact: true }).selectOption('');
    await page.getByLabel('Object', { exact: true }).selectOption('0-2');
    await page.getByRole('rowheader', { name: EXPORT_NAME, exact: true }).waitFor({ state: 'detached' });
    await until(async () => (await rows.count()) === 10);
    await page.getByLabel('Object', { exact: true }).selectOption('');
  });

  let xssId;
  await t.test('a contact named like an HTML tag is shown as those characters', async () => {
    const companies = await call('GET', '/crm/v3/objects/companies?limit=1&properties=name');
    const company = companies.results[0];
    const contact = await call('POST', '/crm/v3/objects/contacts', {
      properties: { firstname: XSS_NAME, lastname: 'Tester', email: 'xss-test@example.com' },
    });
    xssId = contact.id;
    await call('PUT', `/crm/v4/objects/contacts/${xssId}/associations/default/companies/${company.id}`);
    await page.getByRole('link', { name: 'Records' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await page.locator('.results table tbody tr').first().waitFor();
    await shot(page, '07-records-contacts');
    await page.getByLabel('Search', { exact: true }).fill('xss-test@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('cell', { name: XSS_NAME, exact: true }).waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await shot(page, '08-records-xss-as-text');
  });

  await t.test('a record shows its properties and associations, which link to each other', async () => {
    await page.getByRole('link', { name: `Contact ${XSS_NAME} Tester` }).click();
    await page.getByRole('heading', { name: `Contact: ${XSS_NAME} Tester` }).waitFor();
    const section = page.locator('section', { has: page.getByRole('heading', { name: 'Associations' }) });
    await section.getByRole('heading', { name: 'Companies (1)' }).waitFor();
    await page.getByRole('rowheader', { name: 'Email' }).waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await shot(page, '09-record-with-associations');
    await section.getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Company: / }).waitFor();
    const back = page.locator('section', { has: page.getByRole('heading', { name: 'Associations' }) });
    await back.getByRole('link', { name: `${XSS_NAME} Tester` }).waitFor();
    await shot(page, '10-associated-company');
  });

  await t.test('the lists are shown with their sizes', async () => {
    await page.getByRole('link', { name: 'Lists' }).click();
    await page.getByRole('heading', { name: 'Lists' }).waitFor();
    const answer = await call('POST', '/crm/v3/lists/search', { count: 100 });
    assert.ok(answer.lists.length >= 3);
    for (const list of answer.lists) {
      const row = page.locator('tbody tr', { has: page.getByRole('rowheader', { name: list.name, exact: true }) });
      assert.equal(await row.locator('td').nth(3).textContent(), Number(list.additionalProperties.hs_list_size).toLocaleString('en'));
    }
    await shot(page, '11-lists');
  });

  await t.test('a list is exported through the form, preset from the lists page', async () => {
    const answer = await call('POST', '/crm/v3/lists/search', { count: 100, objectTypeId: '0-1' });
    const list = answer.lists[0];
    await page.getByRole('link', { name: `Export ${list.name}` }).click();
    await page.getByRole('heading', { name: 'New export' }).waitFor();
    assert.equal(await page.getByRole('radio', { name: 'The members of a list' }).isChecked(), true);
    assert.equal(await page.getByLabel('List', { exact: true }).inputValue(), list.listId);
    await page.getByLabel('Name', { exact: true }).fill('Members of a list');
    await page.getByRole('button', { name: 'Start export' }).click();
    await logRow(page, 'Members of a list').locator('.badge', { hasText: 'Pending' }).waitFor();
    const started = (await call('GET', '/crm/v3/exports/export?limit=1')).results[0];
    assert.equal(started.exportName, 'Members of a list');
    assert.equal(started.exportType, 'LIST');
  });

  await t.test('the console is usable with the keyboard and on a narrow window', async () => {
    await page.goto(`${BASE}/#/exports`);
    await page.reload();
    await page.getByRole('heading', { name: 'Exports' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('rowheader', { name: EXPORT_NAME, exact: true }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
    await shot(page, '12-narrow-export-log');
    await page.getByRole('link', { name: 'New export' }).click();
    await page.getByRole('checkbox', { name: 'Email email', exact: true }).waitFor();
    const formOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(formOverflow <= 1, `the form is ${formOverflow}px wider than the window`);
    await shot(page, '13-narrow-new-export');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await t.test('signing out forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  await t.test('nothing came from another origin and nothing broke in the page', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  });
});
