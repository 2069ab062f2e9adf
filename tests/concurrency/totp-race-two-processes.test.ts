/**
 * Threat: a TOTP code replayed against another instance of a horizontally scaled deployment.
 * Rule: the used time step lives in the shared database and is claimed with a compare-and-set,
 * so two server processes on one PostgreSQL accept the same code once between them.
 * Always runs on PostgreSQL (the embedded database is one process by design).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.ts';
import { createFreshDatabase } from '../helpers/testDatabase.ts';
import { http, startServerProcess, type ServerProcess } from '../helpers/serverProcess.ts';

const PG = process.env.GATEHOUSE_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
let servers: ServerProcess[] = [];
let drop: () => Promise<void> = async () => {};
const dirs: string[] = [];

beforeAll(async () => {
  const fresh = await createFreshDatabase(PG);
  drop = fresh.drop;
  const secretKey = randomBytes(32).toString('base64');
  // The first process migrates; the second starts on the migrated database.
  for (let index = 0; index < 2; index += 1) {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-race-'));
    dirs.push(dataDir);
    servers.push(await startServerProcess({ DATABASE_URL: fresh.url, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_SECRET_KEY: secretKey }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  servers = [];
  await drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('the same TOTP code sent to two server processes at once is accepted once', async () => {
  const [a, b] = servers as [ServerProcess, ServerProcess];
  const email = `race-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'correct horse battery staple';
  expect((await http(a.url, 'POST', '/v1/users', { body: { email, password } })).status).toBe(201);
  const first = await http(a.url, 'POST', '/v1/sessions', { body: { email, password } });
  const enroll = await http(b.url, 'POST', '/v1/me/mfa/totp', { token: first.body.token, body: {} });
  const confirm = await http(a.url, 'POST', `/v1/me/mfa/totp/${enroll.body.factor_id}/confirm`, {
    token: first.body.token,
    body: { code: totpCode({ secret: enroll.body.secret, now: new Date() }) },
  });
  expect(confirm.status).toBe(200);

  const pendingA = await http(a.url, 'POST', '/v1/sessions', { body: { email, password } });
  const pendingB = await http(b.url, 'POST', '/v1/sessions', { body: { email, password } });
  // The next step's code is inside the ±1 drift window and newer than the step used to confirm.
  const code = totpCode({ secret: enroll.body.secret, now: new Date(Date.now() + 30_000) });
  const results = await Promise.all([
    http(a.url, 'POST', '/v1/sessions/current/mfa', { token: pendingA.body.token, body: { type: 'totp', code } }),
    http(b.url, 'POST', '/v1/sessions/current/mfa', { token: pendingB.body.token, body: { type: 'totp', code } }),
  ]);
  expect(results.map((result) => result.status).sort()).toEqual([200, 401]);
  expect(results.find((result) => result.status === 401)?.body.code).toBe('invalid_mfa_code');
});
