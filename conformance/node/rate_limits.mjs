// HubSpot's rate limits as HubSpot's Node SDK (@hubspot/api-client 13, unmodified) meets
// them: the headers on every answer, HubSpot's 429 body and Retry-After once a token's ten
// seconds are spent, and the SDK's own retry logic (numberOfApiCallRetries), which waits
// 10 s after a TEN_SECONDLY_ROLLING 429 and 1 s after search's secondly one, then
// succeeds. Needs a server started with low limits, e.g.
//   crm-exports serve --rate-limit-per-10s 10 --rate-limit-search-per-second 2
// and CRM_EXPORTS_LIMITED_BASE_URL, CRM_EXPORTS_LIMITED_TOKEN and
// CRM_EXPORTS_LIMITED_PER_10S (the --rate-limit-per-10s it was given).
import hubspot from '@hubspot/api-client';

import { Checks, assert, env } from './checks.mjs';

const { base, token } = env('CRM_EXPORTS_LIMITED_BASE_URL', 'CRM_EXPORTS_LIMITED_TOKEN');
const perTen = Number(process.env.CRM_EXPORTS_LIMITED_PER_10S || '10');
const c = new Checks('node limits');
const check = c.check.bind(c);

const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
const page = () => fetch(`${base}/crm/v3/objects/contacts?limit=1`, { headers });
const search = () => fetch(`${base}/crm/v3/objects/contacts/search`, { method: 'POST', headers, body: '{"limit": 1}' });

// Starts on a fresh window: whatever ran before has left it after ten seconds.
await new Promise((resolve) => setTimeout(resolve, 10_500));

await check(`the first ${perTen} requests carry X-HubSpot-RateLimit-* and count down`, async () => {
  for (let i = 0; i < perTen; i += 1) {
    const r = await page();
    assert(r.status === 200, `request ${i + 1}: status ${r.status}`);
    assert(r.headers.get('x-hubspot-ratelimit-max') === String(perTen), `max ${r.headers.get('x-hubspot-ratelimit-max')}`);
    assert(r.headers.get('x-hubspot-ratelimit-remaining') === String(perTen - 1 - i), `remaining ${r.headers.get('x-hubspot-ratelimit-remaining')}`);
    assert(r.headers.get('x-hubspot-ratelimit-interval-milliseconds') === '10000', 'interval');
    assert(Number(r.headers.get('x-hubspot-ratelimit-daily-remaining')) >= 0, 'daily remaining');
    await r.arrayBuffer();
  }
});

await check('the next is 429 with HubSpot body, headers and Retry-After', async () => {
  const r = await page();
  assert(r.status === 429, `status ${r.status}`);
  const body = await r.json();
  assert(body.status === 'error', JSON.stringify(body));
  assert(body.message === 'You have reached your ten secondly limit.', body.message);
  assert(body.errorType === 'RATE_LIMIT' && body.policyName === 'TEN_SECONDLY_ROLLING', JSON.stringify(body));
  assert(typeof body.correlationId === 'string' && body.correlationId.length === 36, 'correlationId');
  const retryAfter = Number(r.headers.get('retry-after'));
  assert(retryAfter >= 1 && retryAfter <= 10, `Retry-After ${r.headers.get('retry-after')}`);
  assert(r.headers.get('x-hubspot-ratelimit-remaining') === '0', 'remaining 0');
});

await check("the SDK's retry waits out the window and succeeds (crm.contacts.basicApi.getPage)", async () => {
  const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 2 });
  const started = Date.now();
  const answer = await client.crm.contacts.basicApi.getPage(1);
  const waited = Date.now() - started;
  assert(Array.isArray(answer.results), JSON.stringify(answer));
  // Its first attempt was refused, so it waited its 10 s before the second.
  assert(waited >= 9_000, `answered after ${waited} ms: the SDK did not have to wait`);
});

await check('search: no rate-limit headers, then the secondly 429', async () => {
  let refused;
  for (let i = 0; i < 20 && !refused; i += 1) {
    const r = await search();
    if (r.status === 429) {
      refused = await r.json();
    } else {
      assert(r.status === 200, `status ${r.status}`);
      assert(r.headers.get('x-hubspot-ratelimit-max') === null, 'search answers carry no rate-limit headers');
      await r.arrayBuffer();
    }
  }
  assert(refused, 'no 429 from 20 searches in a row');
  assert(refused.message === 'You have reached your secondly limit.', refused.message);
  assert(refused.policyName === 'SECONDLY' && refused.errorType === 'RATE_LIMIT', JSON.stringify(refused));
});

await check("the SDK's search retry waits a second and succeeds (crm.contacts.searchApi.doSearch)", async () => {
  const client = new hubspot.Client({ accessToken: token, basePath: base, numberOfApiCallRetries: 3 });
  const started = Date.now();
  const answer = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1, after: '0', sorts: [], properties: [] });
  const waited = Date.now() - started;
  assert(typeof answer.total === 'number', JSON.stringify(answer));
  // The window still held the searches above, so the first attempt was refused.
  assert(waited >= 900, `answered after ${waited} ms: the SDK did not have to wait`);
});

c.finish();
