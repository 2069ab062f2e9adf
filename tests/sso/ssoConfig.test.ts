/**
 * `PUT/GET/DELETE /v1/orgs/{slug}/sso`: who may set single sign-on, what is validated, what is
 * stored (the client secret only sealed) and what the audit log records (never the secret).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { mfaUser, signUp, uniqueEmail, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { putSso, REDIRECT_URI, uniqueDomain } from './ssoFlows.ts';
import { startTestIdp, type TestIdp } from './testIdp.ts';

const ADMIN_EMAIL = uniqueEmail('instance-admin');
let h: Harness;
let idp: TestIdp;
let instanceAdmin: TestUser;

beforeAll(async () => {
  idp = await startTestIdp({ redirectUri: REDIRECT_URI });
  h = await startHarness({ env: { GATEHOUSE_ADMIN_EMAILS: ADMIN_EMAIL } });
  instanceAdmin = await mfaUser(h, ADMIN_EMAIL);
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

async function editEvents(slug: string): Promise<any[]> {
  const log = await call(h, 'GET', `/v1/orgs/${slug}/audit-log?action=org.edit`, { token: instanceAdmin.token });
  expect(log.status).toBe(200);
  return log.body.events;
}

describe('PUT /v1/orgs/{slug}/sso', () => {
  it('stores the settings with their defaults and answers them without the secret', async () => {
    const slug = await createOrg(h, instanceAdmin);
    const put = await putSso(h, instanceAdmin, slug, idp);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      issuer: idp.issuer,
      client_id: idp.clientId,
      trust_idp_mfa: false,
      max_idp_auth_age_seconds: 3600,
      verified_domains: [],
      jit_role: 'member',
      redirect_uri: REDIRECT_URI,
      login_url: `http://gatehouse.test/v1/orgs/${slug}/sso/login`,
    });
    expect(JSON.stringify(put.body)).not.toContain(idp.clientSecret);
    const got = await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token });
    expect(got.body).toEqual(put.body);
  });

  it('keeps the client secret only sealed, bound to the organization', async () => {
    const slug = await createOrg(h, instanceAdmin);
    await putSso(h, instanceAdmin, slug, idp);
    const row = await h.gatehouse.deps.db
      .selectFrom('org_sso_configs as c')
      .innerJoin('orgs as o', 'o.id', 'c.org_id')
      .select(['c.client_secret_sealed'])
      .where('o.slug', '=', slug)
      .executeTakeFirstOrThrow();
    expect(row.client_secret_sealed).toMatch(/^v1\./);
    expect(row.client_secret_sealed).not.toContain(idp.clientSecret);
  });

  it('records org.edit with changes.sso [old, new], a secret rotation as a flag, and never the secret; an identical PUT records nothing', async () => {
    const slug = await createOrg(h, instanceAdmin);
    const domain = uniqueDomain();
    await putSso(h, instanceAdmin, slug, idp, { trust_idp_mfa: true, verified_domains: [domain.toUpperCase()] });
    let events = await editEvents(slug);
    expect(events).toHaveLength(1);
    expect(events[0].data.changes.sso).toEqual([
      null,
      { issuer: idp.issuer, client_id: idp.clientId, trust_idp_mfa: true, max_idp_auth_age_seconds: 3600, verified_domains: [domain], jit_role: 'member' },
    ]);

    await putSso(h, instanceAdmin, slug, idp, { trust_idp_mfa: true, verified_domains: [domain] });
    expect(await editEvents(slug)).toHaveLength(1);

    await putSso(h, instanceAdmin, slug, idp, { trust_idp_mfa: true, verified_domains: [domain], client_secret: 'a-rotated-secret-value' });
    events = await editEvents(slug);
    expect(events).toHaveLength(2);
    expect(events[0].data.client_secret_rotated).toBe(true);
    expect(JSON.stringify(events)).not.toContain(idp.clientSecret);
    expect(JSON.stringify(events)).not.toContain('a-rotated-secret-value');
  });

  it('is for admins and owners: 403 forbidden for a manager, 404 for a non-member', async () => {
    const slug = await createOrg(h, instanceAdmin);
    const manager = await addMember(h, instanceAdmin, slug, 'manager');
    const outsider = await signUp(h);
    const refused = await putSso(h, manager, slug, idp);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: manager.token })).body.code).toBe('forbidden');
    const hidden = await putSso(h, outsider, slug, idp);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('not_found');
  });

  it('adding a verified domain needs an instance administrator; an organization admin may keep or drop them', async () => {
    const slug = await createOrg(h, instanceAdmin);
    const admin = await addMember(h, instanceAdmin, slug, 'admin');
    const domain = uniqueDomain();
    const claimed = await putSso(h, admin, slug, idp, { verified_domains: ['gmail.com'] });
    expect(claimed.status).toBe(403);
    expect(claimed.body.code).toBe('forbidden');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: admin.token })).status).toBe(404);

    expect((await putSso(h, instanceAdmin, slug, idp, { verified_domains: [domain] })).status).toBe(200);
    const kept = await putSso(h, admin, slug, idp, { verified_domains: [domain], trust_idp_mfa: true });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const added = await putSso(h, admin, slug, idp, { verified_domains: [domain, uniqueDomain()] });
    expect(added.body.code).toBe('forbidden');
    const dropped = await putSso(h, admin, slug, idp, { verified_domains: [] });
    expect(dropped.status).toBe(200);
    expect(dropped.body.verified_domains).toEqual([]);
  });

  it.each([
    ['issuer', { issuer: 'http://idp.example.com' }],
    ['issuer', { issuer: 'not a url' }],
    ['issuer', { issuer: 'https://127.0.0.1:1' }],
    ['max_idp_auth_age_seconds', { max_idp_auth_age_seconds: 59 }],
    ['max_idp_auth_age_seconds', { max_idp_auth_age_seconds: 86_401 }],
    ['jit_role', { jit_role: 'admin' }],
    ['verified_domains.0', { verified_domains: ['not a domain'] }],
    ['surprise', { surprise: true }],
  ])('400 invalid_request naming %s, and nothing is stored', async (field, body) => {
    const slug = await createOrg(h, instanceAdmin);
    const refused = await putSso(h, instanceAdmin, slug, idp, body);
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('invalid_request');
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token })).status).toBe(404);
  });

  it('needs the client secret', async () => {
    const slug = await createOrg(h, instanceAdmin);
    const refused = await call(h, 'PUT', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token, body: { issuer: idp.issuer, client_id: idp.clientId } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'client_secret' })]);
  });
});

describe('GET and DELETE /v1/orgs/{slug}/sso', () => {
  it('404 before any settings; DELETE turns single sign-on off, is audited, and a second DELETE is 404', async () => {
    const slug = await createOrg(h, instanceAdmin);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token })).body.code).toBe('not_found');
    await putSso(h, instanceAdmin, slug, idp);
    const deleted = await call(h, 'DELETE', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token });
    expect(deleted.status).toBe(204);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token })).status).toBe(404);
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso/login`)).status).toBe(404);
    expect((await call(h, 'DELETE', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token })).status).toBe(404);
    const [event] = await editEvents(slug);
    expect(event.data.changes.sso[1]).toBeNull();
    expect(event.data.changes.sso[0]).toMatchObject({ issuer: idp.issuer });
  });

  it('DELETE is for admins and owners', async () => {
    const slug = await createOrg(h, instanceAdmin);
    await putSso(h, instanceAdmin, slug, idp);
    const member = await addMember(h, instanceAdmin, slug, 'member');
    const refused = await call(h, 'DELETE', `/v1/orgs/${slug}/sso`, { token: member.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/sso`, { token: instanceAdmin.token })).status).toBe(200);
  });
});
