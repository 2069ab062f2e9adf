/**
 * Threat: garbage at the door — wrong types, unknown and missing fields, odd and huge Unicode,
 * nesting 10,000 deep, broken JSON, wrong content types, foreign and tampered tokens, odd path
 * segments, oversized headers, methods nobody serves — crashes the server (a 5xx), hangs it,
 * answers in a shape clients cannot read, or changes something. Rule (contract: Conventions):
 * every such request gets a 4xx `application/problem+json` document with a `code`, including the
 * answers Node's HTTP parser gives before Fastify routes anything, and "nothing is changed by a
 * request that fails" — checked by fingerprinting every table before and after.
 *
 * Routes come from the served OpenAPI document, so a new endpoint is fuzzed without editing this file.
 * The raw-socket cases (tests/fuzz/rawRequests.ts) go over a real connection, which the client
 * half-closes once the bytes are written: a server that drops such a connection unanswered fails.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, PASSWORD, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg, flushMail, invite } from '../helpers/orgFlows.ts';
import { differences, fingerprint, type Fingerprint } from './dbFingerprint.ts';
import { rawRequest } from './rawHttp.ts';
import { rawCase } from './rawRequests.ts';
import { describeRequest, hostileRequest, type FuzzContext } from './hostileRequests.ts';
import { BODY_METHODS, isClosed, routeCatalog, type RouteSpec } from './routeCatalog.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20_250_606);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 6_000);
/** Only a guard against a hang: a refused request normally takes milliseconds. */
const HANG_MS = 30_000;
const FINGERPRINT_EVERY = 500;
const RAW_REQUESTS = Number(process.env.FUZZ_RAW_REQUESTS ?? 1_000);

let h: Harness;
let owner: TestUser;
let routes: RouteSpec[];
let context: FuzzContext;
let baseline: Fingerprint;

beforeAll(async () => {
  h = await startHarness();
  owner = await mfaUser(h);
  const slug = await createOrg(h, owner);
  const member = await addMember(h, owner, slug, 'member');
  const invitation = await invite(h, owner, slug, 'fuzz-invitee@example.test', 'member');
  const pat = await call(h, 'POST', '/v1/me/tokens', { token: owner.token, body: { name: 'fuzz' } });
  const factors = await call(h, 'GET', '/v1/me/mfa', { token: owner.token });
  const pending = await call(h, 'POST', '/v1/sessions', { body: { email: owner.email, password: PASSWORD } });
  const signedOut = await call(h, 'POST', '/v1/sessions', { body: { email: owner.email, password: PASSWORD } });
  await call(h, 'DELETE', '/v1/sessions/current', { token: signedOut.body.token });
  context = {
    token: owner.token,
    pendingToken: pending.body.token,
    revokedToken: signedOut.body.token,
    params: {
      slug,
      user_id: member.id,
      factor_id: factors.body.factors[0].id,
      invitation_id: invitation.id,
      token_id: pat.body.id,
      // Never a real invitation token: accepting one is a valid request.
      token: 'ginv_notarealinvitationtokenatall00',
    },
  };
  routes = routeCatalog((await call(h, 'GET', '/openapi.json')).body);
  await flushMail(h);
  baseline = await fingerprint(h.gatehouse.deps.db);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms: ${what}`)), HANG_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** The contract's error shape: 4xx, problem+json, a `code`, and the status repeated in the body. */
function assertProblem(status: number, contentType: string | undefined, text: string, what: string): void {
  const where = `${what} → ${status} ${contentType ?? '(no content type)'} ${text.slice(0, 300)}`;
  expect(status >= 400 && status < 500, where).toBe(true);
  expect(contentType ?? '', where).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as { code?: unknown; status?: unknown; type?: unknown; title?: unknown; detail?: unknown };
  expect(typeof body.code, where).toBe('string');
  expect(body.status, where).toBe(status);
  expect([typeof body.type, typeof body.title, typeof body.detail], where).toEqual(['string', 'string', 'string']);
}

it('every mutating route declares a closed body schema, so unknown fields are refused', () => {
  const open = routes.filter((route) => BODY_METHODS.has(route.method) && !isClosed(route.body)).map((route) => `${route.method} ${route.path}`);
  expect(open).toEqual([]);
  expect(routes.length).toBeGreaterThan(40);
});

it(`${REQUESTS} malformed requests across every route: each a 4xx problem document, nothing changed (seed ${SEED})`, async () => {
  let sent = 0;
  let batch: string[] = [];
  const statuses = new Map<number, number>();
  const checkDatabase = async (): Promise<void> => {
    const changed = differences(baseline, await fingerprint(h.gatehouse.deps.db));
    expect(changed, `the database changed during these requests:\n${batch.join('\n')}`).toEqual([]);
    batch = [];
  };
  const property = fc.asyncProperty(hostileRequest(routes, context), async (request) => {
    sent += 1;
    batch.push(describeRequest(request));
    const response = await withTimeout(
      h.gatehouse.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) }),
      describeRequest(request),
    );
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    assertProblem(response.statusCode, response.headers['content-type'] as string | undefined, response.body, describeRequest(request));
    if (request.expectStatus !== undefined) expect(response.statusCode, describeRequest(request)).toBe(request.expectStatus);
    if (sent % FINGERPRINT_EVERY === 0) await checkDatabase();
  });
  await fc.assert(property, { numRuns: REQUESTS, seed: SEED, endOnFailure: true });
  await checkDatabase();
  console.log(`hostile input: ${sent} requests over ${routes.length} routes; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  expect(sent).toBeGreaterThanOrEqual(5_000);
}, 600_000);

it(`${RAW_REQUESTS} requests broken at the HTTP level, over a real socket: each a 4xx problem document, nothing changed (seed ${SEED})`, async () => {
  await h.gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.gatehouse.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on a TCP port');
  let sent = 0;
  const batch: string[] = [];
  const statuses = new Map<number, number>();
  const property = fc.asyncProperty(rawCase({ token: context.token, slug: context.params.slug ?? '' }), async (raw) => {
    sent += 1;
    const what = `${raw.defect}: ${JSON.stringify(String(raw.bytes).slice(0, 120))}`;
    batch.push(what);
    const response = await rawRequest(address.port, raw.bytes, { timeoutMs: HANG_MS });
    expect(response, `no answer (a hang): ${what}`).not.toBeNull();
    if (response === null) return;
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    assertProblem(response.status, response.headers['content-type'], response.body, what);
    if (raw.status !== undefined) expect(response.status, what).toBe(raw.status);
  });
  await fc.assert(property, { numRuns: RAW_REQUESTS, seed: SEED, endOnFailure: true });
  const changed = differences(baseline, await fingerprint(h.gatehouse.deps.db));
  expect(changed, `the database changed during these requests:\n${batch.join('\n')}`).toEqual([]);
  console.log(`hostile input over a socket: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  expect(sent).toBe(RAW_REQUESTS);
}, 600_000);
