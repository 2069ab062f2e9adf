/**
 * The contract: "an endpoint without a body accepts no body or `{}`, and rejects any other" —
 * GET and HEAD included, although Fastify itself never reads their content.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
let user: TestUser;
beforeAll(async () => {
  h = await startHarness();
  user = await signUp(h);
});
afterAll(async () => {
  await h.close();
});

const get = (payload: string | undefined) =>
  h.gatehouse.app.inject({
    method: 'GET',
    url: '/v1/orgs',
    headers: { authorization: `Bearer ${user.token}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload } : {}),
  });

it.each([['no content', undefined], ['{}', '{}'], ['{ } with spaces', ' { } ']])('GET with %s is answered', async (_label, payload) => {
  expect((await get(payload)).statusCode).toBe(200);
});

it.each([
  ['an unknown field', '{"fuzz":"yes"}'],
  ['an array', '[]'],
  ['not JSON', 'x'],
  ['more than 1 KiB', `{"a":"${'x'.repeat(2000)}"}`],
])('GET with %s is 400 invalid_request naming the body', async (_label, payload) => {
  const answer = await get(payload);
  expect(answer.statusCode).toBe(400);
  const body = JSON.parse(answer.body);
  expect(body.code).toBe('invalid_request');
  expect(body.errors).toEqual([expect.objectContaining({ field: 'body' })]);
});

it('the refusal comes before authentication: no token, still 400 for the content', async () => {
  const answer = await h.gatehouse.app.inject({ method: 'GET', url: '/v1/orgs', headers: { 'content-type': 'application/json' }, payload: 'x' });
  expect([answer.statusCode, JSON.parse(answer.body).code]).toEqual([400, 'invalid_request']);
  expect((await call(h, 'GET', '/v1/orgs')).status).toBe(401);
});
