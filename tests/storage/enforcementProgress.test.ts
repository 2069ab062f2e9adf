/**
 * Bulk enforcement reports how far it got, round by round, while staying one transaction: the
 * progress callback fires after each round of moves, and every move, audit event and rejoin mail
 * commits together at the end.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { enableEnforcement } from '../../src/app/enforcement/enableEnforcement.ts';
import { moveToPending, type MoveProgress } from '../../src/app/enforcement/moveToPending.ts';
import { transact } from '../../src/app/transact.ts';
import { mfaUser, type TestUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';

let h: Harness;
let owner: TestUser;

beforeAll(async () => {
  h = await startHarness();
  owner = await mfaUser(h);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function orgWithMembersLackingMfa(count: number): Promise<{ slug: string; orgId: string; userIds: string[] }> {
  const slug = await createOrg(h, owner);
  const userIds: string[] = [];
  for (let index = 0; index < count; index += 1) userIds.push((await addMember(h, owner, slug, 'member')).id);
  const org = await h.gatehouse.deps.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  return { slug, orgId: org.id, userIds };
}

async function pendingCount(orgId: string): Promise<number> {
  const rows = await h.gatehouse.deps.db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).where('state', '=', 'pending').execute();
  return rows.length;
}

it('moveToPending reports each round, and nothing is visible before the transaction commits', async () => {
  const { orgId, slug, userIds } = await orgWithMembersLackingMfa(5);
  const progress: MoveProgress[] = [];
  const visibleBeforeCommit: number[] = [];
  await transact(h.gatehouse.deps, async (tx) => {
    await moveToPending(h.gatehouse.deps, tx, {
      org: { id: orgId, slug, name: slug },
      userIds,
      actorId: owner.id,
      reason: 'mfa_required',
      pendingSince: tx.now,
      chunkSize: 2,
      onProgress: (round) => progress.push(round),
    });
    // Read outside the transaction (PGlite serializes, so only on PostgreSQL can it run meanwhile).
    if (h.gatehouse.database.kind === 'postgres') visibleBeforeCommit.push(await pendingCount(orgId));
  });
  expect(progress).toEqual([
    { checked: 2, total: 5, moved: 2 },
    { checked: 4, total: 5, moved: 4 },
    { checked: 5, total: 5, moved: 5 },
  ]);
  expect(visibleBeforeCommit.every((count) => count === 0)).toBe(true);
  expect(await pendingCount(orgId)).toBe(5);
  const mails = await h.gatehouse.deps.db.selectFrom('outbox').select('recipient').where('kind', '=', 'mfa_removal').execute();
  const memberEmails = await h.gatehouse.deps.db.selectFrom('users').select('email').where('id', 'in', userIds).execute();
  expect(mails.map((mail) => mail.recipient)).toEqual(expect.arrayContaining(memberEmails.map((user) => user.email)));
});

it('PUT mfa-enforcement remove hands its progress to the caller, ending with every member moved', async () => {
  const { slug, orgId } = await orgWithMembersLackingMfa(3);
  const progress: MoveProgress[] = [];
  const { authenticate } = await import('../../src/http/authenticate.ts');
  const request = { headers: { authorization: `Bearer ${owner.token}` }, cookies: {}, method: 'PUT' } as never;
  const result = await enableEnforcement(
    h.gatehouse.deps,
    await authenticate(h.gatehouse.deps, request, 'required'),
    slug,
    { confirm: 'ENFORCE', noncompliant_action: 'remove' },
    { onProgress: (round) => progress.push(round) },
  );
  expect(result.pending).toHaveLength(3);
  expect(progress.at(-1)).toEqual({ checked: 3, total: 3, moved: 3 });
  expect(await pendingCount(orgId)).toBe(3);
});
