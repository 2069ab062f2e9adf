/**
 * Threat: someone with write access to the database (a compromised backup restored with edits,
 * a rogue operator, SQL injection elsewhere) rewrites history — changes what an audit event says,
 * deletes the event that shows who turned MFA enforcement off, or reorders events — and nobody
 * notices. Rule: every organization's audit events (and the instance's) form a SHA-256 hash
 * chain written in the same transaction as the change, under a per-chain lock so concurrent
 * writers never fork it; `verifyAuditChains` (behind `gatehouse audit verify`) finds the first
 * broken link.
 */
import { Kysely, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChains, type ChainReport } from '../../src/app/audit/verifyAuditChains.ts';
import { transact } from '../../src/app/transact.ts';
import { auditEventHash } from '../../src/core/auditChain.ts';
import { randomBytes } from 'node:crypto';
import * as initial from '../../src/db/migrations/001_initial.ts';
import * as sshCertificates from '../../src/db/migrations/002_ssh_certificates.ts';
import * as oidc from '../../src/db/migrations/003_oidc.ts';
import * as auditChain from '../../src/db/migrations/004_audit_chain.ts';
import { repos } from '../../src/db/repos.ts';
import type { Database } from '../../src/db/schema.ts';
import { scratchDatabase } from '../helpers/scratchDatabase.ts';
import { mfaUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { call } from '../helpers/client.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const db = () => h.gatehouse.deps.db;
const chainId = (): string => `org_chain_${randomBytes(5).toString('hex')}`;

async function verify(orgId: string | null): Promise<ChainReport> {
  const [report] = await verifyAuditChains(repos(db()), { orgIds: [orgId] });
  return report!;
}

/** Writes `count` events to one chain through the application's unit of work. */
async function writeEvents(orgId: string, count: number, label = 'test.event'): Promise<void> {
  await transact(h.gatehouse.deps, async (tx) => {
    for (let index = 0; index < count; index += 1) tx.audit({ orgId, action: label, actorId: 'usr_x', targetId: null, data: { index, nested: { b: 1, a: [index, 'x'] } } });
  });
}

async function seqs(orgId: string): Promise<number[]> {
  const rows = await db().selectFrom('audit_events').select('seq').where('org_id', '=', orgId).orderBy('seq').execute();
  return rows.map((row) => row.seq);
}

describe('events written by the application', () => {
  it('form a valid chain per organization, across many use cases and the HTTP layer', async () => {
    const owner = await mfaUser(h);
    const slug = await createOrg(h, owner);
    await addMember(h, owner, slug, 'member');
    await addMember(h, owner, slug, 'admin', { mfa: true });
    const org = await db().selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    const report = await verify(org.id);
    expect(report.broken).toBeNull();
    expect(report.verified).toBeGreaterThanOrEqual(5);
    const log = await call(h, 'GET', `/v1/orgs/${slug}/audit-log`, { token: owner.token });
    expect(report.verified).toBe(log.body.events.length);
    expect(report.head).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the instance chain (events of no organization) holds too', async () => {
    await mfaUser(h);
    const report = await verify(null);
    expect(report.broken).toBeNull();
    expect(report.verified).toBeGreaterThanOrEqual(2);
  });

  it('every chain of the database verifies when none is named', async () => {
    const reports = await verifyAuditChains(repos(db()));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports.filter((report) => report.broken !== null)).toEqual([]);
  });

  it('a large enforcement-sized write (12,001 events, across insert batches and verify pages) chains in order', async () => {
    const orgId = chainId();
    const started = performance.now();
    await writeEvents(orgId, 12_001, 'member.pending');
    const elapsedMs = performance.now() - started;
    const report = await verify(orgId);
    expect([report.verified, report.broken]).toEqual([12_001, null]);
    // Generous: the hashing itself is tens of milliseconds; this catches a per-row round trip.
    expect(elapsedMs).toBeLessThan(60_000);
  }, 120_000);
});

describe('tampering is detected', () => {
  it('editing an event: detected at that event; putting it back repairs the chain', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 5);
    const [, second] = await seqs(orgId);
    const original = await db().selectFrom('audit_events').select('data').where('seq', '=', second!).executeTakeFirstOrThrow();
    await db().updateTable('audit_events').set({ data: JSON.stringify({ index: 99 }) }).where('seq', '=', second!).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: second, reason: 'hash_mismatch' });
    expect((await verify(orgId)).verified).toBe(1);
    await db().updateTable('audit_events').set({ data: JSON.stringify(original.data) }).where('seq', '=', second!).execute();
    expect((await verify(orgId)).broken).toBeNull();
  });

  it.each(['action', 'actor_id', 'target_id', 'created_at', 'org_id', 'id'] as const)('editing %s is detected', async (column) => {
    const orgId = chainId();
    await writeEvents(orgId, 3);
    const [, second] = await seqs(orgId);
    const forged = { action: 'x.forged', actor_id: 'usr_forged', target_id: 'usr_forged', created_at: new Date(0), org_id: orgId, id: 'evt_forged' }[column];
    if (column === 'org_id') {
      // Moving an event into another chain: the chain it left has a hole.
      await db().updateTable('audit_events').set({ org_id: chainId() }).where('seq', '=', second!).execute();
      expect((await verify(orgId)).broken).toMatchObject({ reason: 'link_mismatch' });
      return;
    }
    await db().updateTable('audit_events').set({ [column]: forged }).where('seq', '=', second!).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: second, reason: 'hash_mismatch' });
  });

  it('editing an event and recomputing its hash: detected at the next event', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 4);
    const [, second, third] = await seqs(orgId);
    const row = await db().selectFrom('audit_events').selectAll().where('seq', '=', second!).executeTakeFirstOrThrow();
    const hash = auditEventHash({
      prevHash: row.prev_hash,
      id: row.id,
      orgId: row.org_id,
      action: 'org.edit',
      actorId: row.actor_id,
      targetId: row.target_id,
      data: row.data,
      createdAt: row.created_at,
    });
    await db().updateTable('audit_events').set({ action: 'org.edit', hash }).where('seq', '=', second!).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: third, reason: 'link_mismatch' });
  });

  it('deleting an event in the middle: detected at the event after it', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 5);
    const [, , third, fourth] = await seqs(orgId);
    await db().deleteFrom('audit_events').where('seq', '=', third!).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: fourth, reason: 'link_mismatch' });
  });

  it('deleting the first event: detected at the new first event', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 3);
    const [first, second] = await seqs(orgId);
    await db().deleteFrom('audit_events').where('seq', '=', first!).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: second, reason: 'link_mismatch' });
  });

  it('reordering two events (swapping their rows): detected at the first of them', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 5);
    const [, second, third] = await seqs(orgId);
    // Swap every column but the insertion sequence: the events now appear in the other order.
    const rows = await db().selectFrom('audit_events').selectAll().where('seq', 'in', [second!, third!]).orderBy('seq').execute();
    const [a, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
    const fields = (row: typeof a) => ({
      id: row.id,
      action: row.action,
      actor_id: row.actor_id,
      target_id: row.target_id,
      data: JSON.stringify(row.data),
      created_at: row.created_at,
      prev_hash: row.prev_hash,
      hash: row.hash,
    });
    // Ids are unique: park one on a placeholder while the other moves.
    await db().updateTable('audit_events').set({ id: `${a.id}_moving` }).where('seq', '=', a.seq).execute();
    await db().updateTable('audit_events').set(fields(a)).where('seq', '=', b.seq).execute();
    await db().updateTable('audit_events').set(fields(b)).where('seq', '=', a.seq).execute();
    expect((await verify(orgId)).broken).toMatchObject({ seq: second, reason: 'link_mismatch' });
  });

  it('inserting a forged event written around the application: detected', async () => {
    const orgId = chainId();
    await writeEvents(orgId, 2);
    await db()
      .insertInto('audit_events')
      .values({ id: 'evt_forged_insert', org_id: orgId, action: 'org.edit', actor_id: null, target_id: null, data: '{}', created_at: new Date(), prev_hash: null, hash: null })
      .execute();
    const [, , forged] = await seqs(orgId);
    expect((await verify(orgId)).broken).toMatchObject({ seq: forged, reason: 'missing_hash' });
  });

  it('other chains are unaffected by tampering in one', async () => {
    const tampered = chainId();
    const clean = chainId();
    await writeEvents(tampered, 2);
    await writeEvents(clean, 2);
    await db().updateTable('audit_events').set({ action: 'x' }).where('org_id', '=', tampered).execute();
    expect((await verify(tampered)).broken).not.toBeNull();
    expect((await verify(clean)).broken).toBeNull();
  });
});

describe('concurrent writers', () => {
  it('transactions racing on one organization (and the instance chain) chain one after the other', async () => {
    const orgA = chainId();
    const orgB = chainId();
    const writers = Array.from({ length: 24 }, (_, index) =>
      transact(h.gatehouse.deps, async (tx) => {
        // Some read first, so the transactions overlap in different phases on PostgreSQL.
        if (index % 2 === 0) await tx.r.users.byId('usr_nobody');
        tx.audit({ orgId: orgA, action: 'race.a', actorId: null, data: { index } });
        tx.audit({ orgId: index % 3 === 0 ? null : orgB, action: 'race.b', actorId: null, data: { index } });
        tx.audit({ orgId: orgA, action: 'race.a2', actorId: null, data: { index } });
      }),
    );
    await Promise.all(writers);
    const a = await verify(orgA);
    expect([a.verified, a.broken]).toEqual([48, null]);
    const b = await verify(orgB);
    expect([b.verified, b.broken]).toEqual([16, null]);
    expect((await verify(null)).broken).toBeNull();
  }, 60_000);
});

describe('migration 004', () => {
  it('chains the events written before it, per organization, in insertion order', async () => {
    const scratch = await scratchDatabase();
    try {
      const before = { '001_initial': initial, '002_ssh_certificates': sshCertificates, '003_oidc': oidc };
      const up = async (migrations: Record<string, Migration>) => {
        const { error } = await new Migrator({ db: scratch.db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
        if (error) throw error;
      };
      await up(before);
      const at = new Date('2025-01-02T03:04:05.678Z');
      for (const [index, orgId] of ['org_a', null, 'org_a', 'org_b', 'org_a', null].entries()) {
        await sql`insert into audit_events (id, org_id, action, actor_id, target_id, data, created_at)
                  values (${`evt_old_${index}`}, ${orgId}, 'old.event', null, null, ${JSON.stringify({ index, z: 1, a: 2 })}, ${at})`.execute(scratch.db);
      }
      await up({ ...before, '004_audit_chain': auditChain });
      const r = repos(scratch.db as unknown as Kysely<Database>);
      const reports = await verifyAuditChains(r);
      expect(reports.map((report) => [report.orgId, report.verified, report.broken])).toEqual([
        [null, 2, null],
        ['org_a', 3, null],
        ['org_b', 1, null],
      ]);
      // The application continues each chain from the migrated head.
      await r.audit.insert([{ id: 'evt_new', orgId: 'org_a', action: 'new.event', actorId: null, targetId: null, data: {}, now: new Date() }]);
      expect((await verifyAuditChains(r, { orgIds: ['org_a'] }))[0]).toMatchObject({ verified: 4, broken: null });
    } finally {
      await scratch.close();
    }
  });
});
