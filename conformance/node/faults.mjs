// Faults on demand (the admin API, `/_crm-exports/faults`) as HubSpot's Node SDK
// (@hubspot/api-client 13, unmodified) meets them: a rule that answers the next contacts
// page with HubSpot's TEN_SECONDLY_ROLLING 429 makes the SDK's own retry
// (numberOfApiCallRetries) wait out the window and then succeed, and the rule, spent, is
// gone; a 502 rule is answered with HubSpot's error body; DELETE clears every rule. Needs
// CRM_EXPORTS_BASE_URL and a token holding crm-exports.admin in CRM_EXPORTS_TOKEN (the
// development token has it).
import hubspot from '@hubspot/api-client';

import { Checks, assert, env } from './checks.mjs';

const { base, token } = env('CRM_EXPORTS_BASE_URL', 'CRM_EXPORTS_TOKEN');
const c = new Checks('node faults');
const check = c.check.bind(c);

const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
const admin = (method, body) => fetch(`${base}/_crm-exports/faults`, {
  method, headers, body: body === undefined ? undefined : JSON.stringify(body),
});
const rules = async () => (await (await admin('GET')).json()).rules;

await check('a 429 fault for one contacts page is accepted and listed with its count', async () => {
  const made = await admin('POST', {
    match: { method: 'GET', path: '/crm/v3/objects/contacts' },
    effect: { status: 429, policy: 'TEN_SECONDLY_ROLLING' },
    times: 1,
  });
  assert(made.status === 201, `status ${made.status}: ${await made.text()}`);
  const listed = await rules();
  assert(listed.length === 1 && listed[0].remaining === 1, JSON.stringify(listed));
});

await check("the SDK's retry waits out the injected 429 and succeeds (crm.contacts.basicApi.getPage)", async () => {
  const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 2 });
  const started = Date.now();
  const answer = await client.crm.contacts.basicApi.getPage(1);
  const waited = Date.now() - started;
  assert(Array.isArray(answer.results), JSON.stringify(answer));
  // Its first attempt got the fault's 429, so it waited the policy's 10 s before the second.
  assert(waited >= 9_000, `answered after ${waited} ms: the SDK did not meet the fault`);
  const listed = await rules();
  assert(listed.length === 0, `the spent rule is still listed: ${JSON.stringify(listed)}`);
});

await check("a 502 fault answers HubSpot's error body, and DELETE clears every rule", async () => {
  const made = await admin('POST', { match: { path: '/crm/v3/owners' }, effect: { status: 502 } });
  assert(made.status === 201, `status ${made.status}`);
  const refused = await fetch(`${base}/crm/v3/owners`, { headers });
  assert(refused.status === 502, `status ${refused.status}`);
  const body = await refused.json();
  assert(body.status === 'error' && typeof body.correlationId === 'string', JSON.stringify(body));
  const cleared = await admin('DELETE');
  assert(cleared.status === 204, `status ${cleared.status}`);
  const again = await fetch(`${base}/crm/v3/owners`, { headers });
  assert(again.status === 200, `status ${again.status} after DELETE`);
});

c.finish();
