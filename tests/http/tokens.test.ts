import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('personal access tokens', () => {
  it('creates, lists (without the secret), authenticates and revokes', async () => {
    const user = await mfaUser(h);
    const created = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'ci', expires_in_days: 7 } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^gpat_/);
    const listed = await call(h, 'GET', '/v1/me/tokens', { token: user.token });
    expect(listed.body.tokens).toEqual([expect.objectContaining({ id: created.body.id, name: 'ci', aal: 2 })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: created.body.token })).status).toBe(200);
    expect((await call(h, 'DELETE', `/v1/me/tokens/${created.body.id}`, { token: user.token })).status).toBe(204);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: created.body.token })).body.code).toBe('unauthenticated');
    expect((await call(h, 'DELETE', `/v1/me/tokens/${created.body.id}`, { token: user.token })).status).toBe(404);
  });

  it('carries the aal of the session that created it', async () => {
    const user = await signUp(h);
    const created = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'aal1' } });
    const listed = await call(h, 'GET', '/v1/me/tokens', { token: user.token });
    expect(listed.body.tokens.find((token: { id: string }) => token.id === created.body.id).aal).toBe(1);
  });

  it('expires', async () => {
    const user = await signUp(h);
    const created = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'short', expires_in_days: 1 } });
    await h.advance(86_401);
    expect((await call(h, 'GET', '/v1/me/mfa', { token: created.body.token })).body.code).toBe('unauthenticated');
  });

  it('a token cannot mint tokens nor change factors', async () => {
    const user = await signUp(h);
    const created = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: 'x' } });
    expect((await call(h, 'POST', '/v1/me/tokens', { token: created.body.token, body: { name: 'y' } })).body.code).toBe('forbidden');
    expect((await call(h, 'POST', '/v1/me/mfa/totp', { token: created.body.token })).body.code).toBe('reauthentication_required');
  });

  it('400 for bad input', async () => {
    const user = await signUp(h);
    const response = await call(h, 'POST', '/v1/me/tokens', { token: user.token, body: { name: '', expires_in_days: '7' } });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['expires_in_days', 'name']);
  });
});
