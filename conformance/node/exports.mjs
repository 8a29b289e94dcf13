// Exports through HubSpot's Node SDK (@hubspot/api-client 13, which runs on Node 20),
// unmodified: the SDK's typed `getStatus`, and `apiRequest` for starting an export and
// reading its details (13.x has no typed call for those). Needs CRM_EXPORTS_BASE_URL and
// CRM_EXPORTS_TOKEN, and a server with at least one export worker.
import hubspot from '@hubspot/api-client';

import { Checks, assert, env } from './checks.mjs';

const { base, token } = env('CRM_EXPORTS_BASE_URL', 'CRM_EXPORTS_TOKEN');
const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 0 });
const marker = 'n' + Math.random().toString(16).slice(2, 12);
const c = new Checks('node');
const check = c.check.bind(c);

const emails = [0, 1, 2].map((i) => `${marker}-${i}@node.example`);

await check('create contacts with crm.contacts.basicApi.create', async () => {
  for (const email of emails) {
    const created = await client.crm.contacts.basicApi.create({ properties: { email, lastname: marker }, associations: [] });
    assert(/^\d+$/.test(created.id), `id ${created.id}`);
  }
});

const taskId = await check('start an export with apiRequest -> 202 and a decimal id', async () => {
  const response = await client.apiRequest({
    method: 'POST',
    path: '/crm/v3/exports/export/async',
    body: {
      exportType: 'VIEW', exportName: `node ${marker}`, format: 'CSV', language: 'EN', objectType: 'CONTACT',
      objectProperties: ['email', 'lastname'],
      publicCrmSearchRequest: { filters: [{ propertyName: 'lastname', operator: 'EQ', value: marker }], sorts: ['email'] },
    },
  });
  assert(response.status === 202, `status ${response.status}`);
  const body = await response.json();
  assert(typeof body.id === 'string' && /^\d+$/.test(body.id), `id ${JSON.stringify(body)}`);
  return body.id;
});

const status = await check('poll publicExportsApi.getStatus until COMPLETE', async () => {
  assert(taskId, 'no export was started');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const s = await client.crm.exports.publicExportsApi.getStatus(Number(taskId));
    if (s.status === 'COMPLETE') return s;
    assert(s.status === 'PENDING' || s.status === 'PROCESSING', `status ${s.status}`);
    assert(Date.now() < deadline, 'not complete after 120 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

await check('download the signed result without a token and find every contact', async () => {
  assert(status && status.result, 'no result link');
  const response = await fetch(status.result);
  assert(response.status === 200, `download status ${response.status}`);
  const text = (await response.text()).replace(/^\uFEFF/, '');
  const lines = text.trim().split(/\r?\n/);
  assert(lines[0] === 'Record ID,Email,Last Name', `header ${lines[0]}`);
  const exported = lines.slice(1).map((line) => line.split(',')[1]);
  assert(JSON.stringify(exported) === JSON.stringify(emails), `rows ${JSON.stringify(exported)}`);
});

await check('read the details with apiRequest -> exportState DONE', async () => {
  const response = await client.apiRequest({ method: 'GET', path: `/crm/v3/exports/export/${taskId}` });
  const details = await response.json();
  assert(details.exportState === 'DONE', `details ${JSON.stringify(details)}`);
  assert(details.recordCount === emails.length, `recordCount ${details.recordCount}`);
});

await check('an unknown export id -> 403 from getStatus', async () => {
  try {
    await client.crm.exports.publicExportsApi.getStatus(987654321987);
  } catch (error) {
    assert(error.code === 403, `code ${error.code}`);
    return;
  }
  throw new Error('an unknown export id was answered');
});

c.finish();
