/**
 * The audit log over HTTP: admins and owners only, newest first, filters, and keyset paging
 * whose opaque cursor neither repeats nor skips events. Query values are strings: a bad limit,
 * cursor or timestamp is a 400 naming the parameter, never a silent first page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/client.ts';
import { now, signUp, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, auditActions, createOrg } from '../helpers/orgFlows.ts';

let h: Harness;
let owner: TestUser;
let slug: string;
beforeAll(async () => {
  h = await startHarness();
  owner = await signUp(h);
  slug = await createOrg(h, owner);
});
afterAll(async () => {
  await h.close();
});

async function rename(org: string, times: number): Promise<void> {
  for (let index = 0; index < times; index += 1) {
    const response = await call(h, 'PATCH', `/v1/orgs/${org}`, { token: owner.token, body: { name: `Name ${index}` } });
    expect(response.status).toBe(200);
  }
}

describe('GET /v1/orgs/{slug}/audit-log', () => {
  it('answers events newest first with actor, target and org as ids and slug', async () => {
    const org = await createOrg(h, owner);
    const events = await auditActions(h, owner, org);
    expect(events.map((event) => event.action)).toEqual(['member.join', 'org.create']);
    expect(events[1]).toEqual({
      id: expect.stringMatching(/^evt_/),
      action: 'org.create',
      actor: owner.id,
      target: owner.id,
      org,
      data: { slug: org, plan: 'team' },
      created_at: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(events[1].created_at))).toBe(false);
  });

  it('is for admins and owners: a manager and a member get 403, a stranger 404', async () => {
    const admin = await addMember(h, owner, slug, 'admin');
    expect((await call(h, 'GET', `/v1/orgs/${slug}/audit-log`, { token: admin.token })).status).toBe(200);
    for (const role of ['manager', 'member'] as const) {
      const user = await addMember(h, owner, slug, role);
      const refused = await call(h, 'GET', `/v1/orgs/${slug}/audit-log`, { token: user.token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect((await call(h, 'GET', `/v1/orgs/${slug}/audit-log`, { token: (await signUp(h)).token })).status).toBe(404);
  });

  it('filters by action, actor, target and since, and shows no other organization', async () => {
    const org = await createOrg(h, owner);
    const admin = await addMember(h, owner, org, 'admin');
    const member = await addMember(h, owner, org, 'member');
    await h.advance(120);
    const since = now(h).toISOString();
    expect((await call(h, 'PATCH', `/v1/orgs/${org}/members/${member.id}`, { token: admin.token, body: { role: 'manager' } })).status).toBe(200);

    const joins = await auditActions(h, owner, org, '?action=member.join');
    expect(joins.map((event) => event.target).sort()).toEqual([owner.id, admin.id, member.id].sort());
    const byAdmin = await auditActions(h, owner, org, `?actor=${admin.id}`);
    expect(byAdmin.map((event) => event.action)).toEqual(['member.role_change', 'member.join']);
    const aboutMember = await auditActions(h, owner, org, `?target=${member.id}&action=member.role_change`);
    expect(aboutMember).toHaveLength(1);
    const recent = await auditActions(h, owner, org, `?since=${encodeURIComponent(since)}`);
    expect(recent.map((event) => event.action)).toEqual(['member.role_change']);
    expect((await auditActions(h, owner, org)).every((event) => event.org === org)).toBe(true);
    expect(await auditActions(h, owner, slug, `?target=${member.id}`)).toEqual([]);
  });

  it('pages with an opaque cursor across three pages without repeats, ending with next_cursor null', async () => {
    const org = await createOrg(h, owner);
    await rename(org, 5);
    const all = await auditActions(h, owner, org);
    expect(all).toHaveLength(7);

    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: string = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call(h, 'GET', `/v1/orgs/${org}/audit-log${query}`, { token: owner.token });
      expect(page.status).toBe(200);
      sizes.push(page.body.events.length);
      seen.push(...page.body.events.map((event: { id: string }) => event.id));
      cursor = page.body.next_cursor;
      // Events written between pages must not disturb the walk back in time.
      if (sizes.length === 1) await rename(org, 1);
    } while (cursor !== null && sizes.length < 10);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(all.map((event) => event.id));
    expect(new Set(seen).size).toBe(7);
  });

  it('answers at most 50 events by default, and up to 200 when asked', async () => {
    const org = await createOrg(h, owner);
    await rename(org, 50);
    const first = await call(h, 'GET', `/v1/orgs/${org}/audit-log`, { token: owner.token });
    expect(first.body.events).toHaveLength(50);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const big = await call(h, 'GET', `/v1/orgs/${org}/audit-log?limit=200`, { token: owner.token });
    expect(big.body.events).toHaveLength(52);
    expect(big.body.next_cursor).toBeNull();
  });

  it.each([
    ['a cursor that is not base64url of a position', '?cursor=not-a-cursor', 'cursor'],
    ['a cursor of zero', `?cursor=${Buffer.from('0').toString('base64url')}`, 'cursor'],
    ['a cursor with trailing junk', `?cursor=${Buffer.from('12x').toString('base64url')}`, 'cursor'],
    ['a limit of 0', '?limit=0', 'limit'],
    ['a limit above 200', '?limit=201', 'limit'],
    ['a limit that is not a number', '?limit=ten', 'limit'],
    ['a since that is not a timestamp', '?since=yesterday', 'since'],
    ['an unknown parameter', '?page=2', 'page'],
  ])('rejects %s with 400 naming it', async (_label, query, field) => {
    const response = await call(h, 'GET', `/v1/orgs/${slug}/audit-log${query}`, { token: owner.token });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid_request');
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });
});
