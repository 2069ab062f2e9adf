/**
 * One storage conformance suite, run on every database Gatehouse supports (better-auth's adapter
 * suites are the model): the same typed queries must mean the same thing on PGlite (Postgres 18,
 * embedded) and on PostgreSQL (15 in production) — types, constraints, transactions, and the
 * compare-and-set statements that security rules rely on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/openDatabase.ts';
import { repos } from '../../src/db/repos.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';

const PG = process.env.GATEHOUSE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const T0 = new Date('2026-03-01T10:00:00.123Z');

describe.each(['pglite', 'postgres'] as const)('storage conformance on %s', (kind) => {
  let database: OpenDatabase;
  let cleanup: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-storage-'));
    if (kind === 'postgres') {
      const fresh = await createFreshDatabase(PG);
      database = await openDatabase({ databaseUrl: fresh.url, dataDir });
      cleanup = async () => {
        await database.close();
        await fresh.drop();
        rmSync(dataDir, { recursive: true, force: true });
      };
    } else {
      database = await openDatabase({ databaseUrl: null, dataDir });
      cleanup = async () => {
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      };
    }
  });
  afterAll(async () => cleanup());

  const user = async (id: string) => {
    await repos(database.db).users.insert({ id, email: `${id}@example.test`, name: null, passwordHash: 'x', now: T0 });
  };

  it('reports its kind and applies migrations idempotently', async () => {
    expect(database.kind).toBe(kind);
    const { migrateToLatest } = await import('../../src/db/migrate.ts');
    await migrateToLatest(database.db as never);
  });

  it('round-trips timestamps with milliseconds in UTC, JSON, booleans and int8 as numbers', async () => {
    await user('u_types');
    const r = repos(database.db);
    const row = await r.users.byId('u_types');
    expect(row?.created_at).toBeInstanceOf(Date);
    expect(row?.created_at.toISOString()).toBe(T0.toISOString());
    await r.audit.insert([{ id: 'e_types', orgId: null, action: 'x', actorId: null, targetId: null, data: { nested: { list: [1, 'two', null] } }, now: T0 }]);
    const [event] = await database.db.selectFrom('audit_events').select(['seq', 'data']).where('id', '=', 'e_types').execute();
    expect(typeof event?.seq).toBe('number');
    expect(event?.data).toEqual({ nested: { list: [1, 'two', null] } });
  });

  it('enforces unique emails', async () => {
    await user('u_unique');
    await expect(repos(database.db).users.insert({ id: 'u_unique2', email: 'u_unique@example.test', name: null, passwordHash: 'x', now: T0 })).rejects.toThrow();
  });

  it('rolls back a failed transaction completely', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await repos(trx).users.insert({ id: 'u_rolled', email: 'rolled@example.test', name: null, passwordHash: 'x', now: T0 });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await repos(database.db).users.byId('u_rolled')).toBeUndefined();
  });

  it('counts concurrent failures atomically', async () => {
    await user('u_fail');
    const r = repos(database.db);
    await Promise.all(Array.from({ length: 20 }, () => r.users.recordFailure('u_fail', T0)));
    expect((await r.users.byId('u_fail'))?.failed_attempts).toBe(20);
  });

  it('lets exactly one concurrent compare-and-set claim a TOTP step', async () => {
    await user('u_totp');
    const r = repos(database.db);
    await r.factors.insert({
      id: 'f_totp', user_id: 'u_totp', type: 'totp', name: 'x', secret_sealed: 'v1.x.y', confirmed_at: T0, created_at: T0,
      phishing_resistant: false, credential_id: null, public_key: null, sign_count: null, transports: null, backed_up: null, device_type: null,
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => r.factors.consumeTotpStep('f_totp', 1000, T0)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await r.factors.consumeTotpStep('f_totp', 999, T0)).toBe(false);
    expect(await r.factors.consumeTotpStep('f_totp', 1001, T0)).toBe(true);
  });

  it('never hands one outbox row to two concurrent claimers', async () => {
    const r = repos(database.db);
    await r.outbox.enqueue(
      Array.from({ length: 30 }, (_, index) => ({ id: `m_${index}`, kind: 'test', recipient: 'x@example.test', subject: 's', text: 't', html: 'h' })),
      T0,
    );
    const lease = new Date(T0.getTime() + 60_000);
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => database.db.transaction().execute((trx) => repos(trx).outbox.claimDue(T0, lease, 10))),
    );
    const ids = claims.flat().map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(30);
    expect(await database.db.transaction().execute((trx) => repos(trx).outbox.claimDue(T0, lease, 10))).toHaveLength(0);
    // Once the lease runs out, an unsent row is claimable again (its worker died).
    const later = new Date(lease.getTime() + 1);
    expect((await database.db.transaction().execute((trx) => repos(trx).outbox.claimDue(later, new Date(later.getTime() + 60_000), 100))).length).toBe(30);
  });

  it('pages audit events newest first by sequence without gaps or repeats', async () => {
    const r = repos(database.db);
    await database.db.insertInto('orgs').values({
      id: 'o_audit', slug: 'audit-org', name: 'A', plan: 'team', allowed_auth_methods: '["password"]', grace_period_ends_at: null, mfa_enabled_at: null, mfa_enabled_by: null, created_at: T0,
    }).execute();
    await r.audit.insert(Array.from({ length: 25 }, (_, index) => ({ id: `e_page_${index}`, orgId: 'o_audit', action: index % 2 ? 'odd' : 'even', actorId: null, targetId: null, data: { index }, now: T0 })));
    const seen: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await r.audit.list({ orgId: 'o_audit', limit: 10, ...(before !== undefined ? { beforeSeq: before } : {}) });
      if (page.length === 0) break;
      seen.push(...page.map((event) => event.data.index as number));
      before = page[page.length - 1]!.seq;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => 24 - index));
    expect((await r.audit.list({ orgId: 'o_audit', limit: 100, action: 'odd' })).length).toBe(12);
  });

  it('serializes work on one row with row locks inside transactions', async () => {
    await user('u_lock');
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((label) =>
        database.db.transaction().execute(async (trx) => {
          await repos(trx).users.lock('u_lock');
          order.push(`${label}:start`);
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push(`${label}:end`);
        }),
      ),
    );
    for (let index = 0; index < order.length; index += 2) {
      expect(order[index]!.split(':')[0]).toBe(order[index + 1]!.split(':')[0]);
    }
  });
});
