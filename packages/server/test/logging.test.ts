/** Logs: JSON lines carrying MS-RequestId and MS-CorrelationId, and never a secret or a token. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openTestDatabase } from './helpers.js';
import { seedDemo } from '../src/seed/index.js';

test('request logs carry the request and correlation ids, and no credentials', async () => {
  let out = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      out += chunk;
      done();
    },
  });
  const config = loadConfig({ PC_DATA_DIR: 'memory://' });
  const db = await openTestDatabase();
  await seedDemo(db, config);
  const app = await buildApp({ config, db, logger: { level: 'info', stream } });
  try {
    const form = `grant_type=client_credentials&client_id=${config.sandbox.clientId}&client_secret=${config.sandbox.clientSecret}`;
    const tokenRes = await app.inject({ method: 'POST', url: '/oauth2/token', payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const token = tokenRes.json().access_token as string;
    const userForm = `grant_type=password&username=${config.sandbox.username}&password=${config.sandbox.password}`;
    await app.inject({ method: 'POST', url: '/oauth2/token', payload: userForm, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await app.inject({
      method: 'GET',
      url: '/v1/customers',
      headers: { authorization: `Bearer ${token}`, 'ms-requestid': 'req-4fa6dad6', 'ms-correlationid': 'corr-0e93c70c' },
    });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const mine = lines.filter((l) => l.msRequestId === 'req-4fa6dad6');
    assert.ok(mine.length >= 2, 'the incoming-request and completed lines');
    for (const l of mine) assert.equal(l.msCorrelationId, 'corr-0e93c70c');
    for (const secret of [config.sandbox.clientSecret, config.sandbox.password, token, token.split('.')[2]]) {
      assert.ok(!out.includes(secret), `a secret reached the logs: ${secret.slice(0, 12)}…`);
    }
  } finally {
    await app.close();
    await db.close();
  }
});
