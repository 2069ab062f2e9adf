/**
 * `gatehouse audit verify` as operators run it: a subprocess (the same Node, src/cli/main.ts)
 * against the database a server wrote (PGlite in a data directory, or PostgreSQL when
 * GATEHOUSE_TEST_DATABASE_URL is set). Exit 0 with "N events verified" while the chains hold;
 * exit 1 naming the first broken event once a row is edited behind the application's back.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/openDatabase.ts';
import { repos } from '../../src/db/repos.ts';
import { mfaUser } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';
import { memoryTransport } from '../helpers/harness.ts';
import { addMember, createOrg } from '../helpers/orgFlows.ts';
import { createFreshDatabase, testDatabaseServerUrl } from '../helpers/testDatabase.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-cli-'));
let fresh: { url: string; drop: () => Promise<void> } | null = null;
let env: Record<string, string>;
let slug: string;

function gatehouse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  const serverUrl = testDatabaseServerUrl();
  fresh = serverUrl ? await createFreshDatabase(serverUrl) : null;
  env = { GATEHOUSE_DATA_DIR: dataDir, ...(fresh ? { DATABASE_URL: fresh.url } : {}) };
  // A server's worth of history, written through the application; then the server stops (the
  // embedded database admits one process at a time).
  const mail: Harness['mail'] = [];
  const config = parseConfig({ ...env, GATEHOUSE_TEST_CLOCK: '1', GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test' });
  const instance = await createGatehouse(config, { logger: pino({ level: 'silent' }), transport: memoryTransport(mail), startJobs: false });
  const h: Harness = {
    gatehouse: instance,
    mail,
    databaseUrl: config.databaseUrl ?? '',
    advance: async (seconds) => {
      instance.testClock?.advance(seconds);
      await instance.jobs.runAll();
    },
    close: () => instance.close(),
  };
  try {
    const owner = await mfaUser(h);
    slug = await createOrg(h, owner);
    await addMember(h, owner, slug, 'member');
    // A chain long enough to report progress.
    const now = instance.deps.clock.now();
    await repos(instance.deps.db).audit.insert(
      Array.from({ length: 5_001 }, (_, index) => ({ id: `evt_bulk_${index}`, orgId: 'org_bulk', action: 'member.pending', actorId: null, targetId: null, data: { index }, now })),
    );
  } finally {
    await instance.close();
  }
}, 120_000);

afterAll(async () => {
  await fresh?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('exit 0 and "N events verified" while every chain holds, with a progress line for a long chain', async () => {
  const run = await gatehouse(['audit', 'verify']);
  expect(run.code, run.stderr).toBe(0);
  const total = /(\d+) events verified in (\d+) chains/.exec(run.stdout);
  expect(Number(total?.[1])).toBeGreaterThan(5_001);
  expect(Number(total?.[2])).toBe(3);
  expect(run.stdout).toMatch(new RegExp(`${slug} \\(org_[a-z0-9]+\\): \\d+ events verified, head [0-9a-f]{64}`));
  expect(run.stderr).toContain('events verified so far');
}, 60_000);

it('--org SLUG verifies that organization only; an unknown slug exits 1; a wrong argument exits 2', async () => {
  const one = await gatehouse(['audit', 'verify', '--org', slug]);
  expect(one.code, one.stderr).toBe(0);
  expect(one.stdout).toMatch(/events verified in 1 chain\n/);
  expect((await gatehouse(['audit', 'verify', '--org', 'no-such-org'])).code).toBe(1);
  expect((await gatehouse(['audit', 'verify', 'extra'])).code).toBe(2);
  expect((await gatehouse(['audit', 'verify', '--org', 'Not A Slug'])).code).toBe(2);
}, 60_000);

it('exit 1 naming the first broken event after a row is edited in the database', async () => {
  const database = await openDatabase({ databaseUrl: fresh?.url ?? null, dataDir });
  let eventId: string;
  try {
    const org = await database.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    const event = await database.db.selectFrom('audit_events').select(['seq', 'id']).where('org_id', '=', org.id).where('action', '=', 'member.join').executeTakeFirstOrThrow();
    eventId = event.id;
    await database.db.updateTable('audit_events').set({ actor_id: 'usr_someone_else' }).where('seq', '=', event.seq).execute();
  } finally {
    await database.close();
  }
  const run = await gatehouse(['audit', 'verify']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(eventId);
  expect(run.stdout).toMatch(new RegExp(`${slug} .*BROKEN at seq \\d+ \\(hash_mismatch\\)`));
  // The other chains still verify on their own.
  expect(run.stdout).toMatch(/instance: \d+ events verified/);
}, 60_000);
