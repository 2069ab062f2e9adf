/**
 * Threat: a database copy yields recovery codes. Rule (ASVS 5.0 6.5.2; NIST SP 800-63B-4 look-up
 * secrets): a look-up secret stored under a fast one-way hash must carry at least 112 bits of
 * entropy (below that it would need a salted password hash). Recovery codes are 24 base32
 * characters from the CSPRNG (120 bits), stored only as SHA-256, and each works once.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateRecoveryCodes, normalizeRecoveryCode, RECOVERY_CODE_BYTES } from '../../src/core/recoveryCodes.ts';
import { systemRandom } from '../../src/core/random.ts';
import { call } from '../helpers/client.ts';
import { mfaUser } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

it('each code carries at least 112 random bits', () => {
  expect(RECOVERY_CODE_BYTES * 8).toBeGreaterThanOrEqual(112);
  for (const code of generateRecoveryCodes(systemRandom, 50)) {
    // 5 bits per base32 character.
    expect(normalizeRecoveryCode(code).length * 5).toBeGreaterThanOrEqual(112);
  }
});

it('the codes a user receives are that long, and the database holds only their SHA-256', async () => {
  const user = await mfaUser(h);
  expect(user.recoveryCodes).toHaveLength(10);
  for (const code of user.recoveryCodes!) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
  const rows = await h.gatehouse.deps.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
  const expected = user.recoveryCodes!.map((code) => createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex'));
  expect(rows.map((row) => row.code_hash).sort()).toEqual(expected.sort());
  const regenerated = await call(h, 'POST', '/v1/me/mfa/recovery-codes', { token: user.token });
  for (const code of regenerated.body.recovery_codes) expect(normalizeRecoveryCode(code)).toHaveLength(24);
});
