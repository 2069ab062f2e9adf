/**
 * What the CLI tells the person at the terminal when the server holds their credential back:
 * the instance requires MFA (not an organization), or the password must be changed first — with
 * the URL to act on. Assertions on the key fragments, not on wording.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/cli/api.ts';
import { explainError } from '../../src/cli/explainError.ts';

const context = { server: 'https://gatehouse.example' };

describe('explainError for restricted credentials', () => {
  it('mfa_enrollment_required from the instance names the server and the security page, not an organization', () => {
    const message = explainError(new ApiError({ status: 403, code: 'mfa_enrollment_required', detail: '', extra: { required_by: 'instance' } }), context);
    expect(message).toContain('https://gatehouse.example requires two-factor authentication of every account');
    expect(message).toContain('https://gatehouse.example/account/security');
    // Without required_by it is an organization's rule, as before.
    expect(explainError(new ApiError({ status: 403, code: 'mfa_enrollment_required', detail: '' }), { ...context, org: 'acme' })).toContain('acme requires');
  });

  it('password_change_required points to the password page and says why', () => {
    const reported = explainError(new ApiError({ status: 403, code: 'password_change_required', detail: '', extra: { reason: 'operator' } }), context);
    expect(reported).toContain('https://gatehouse.example/account/password');
    expect(reported).toContain('reported compromised');
    const blocklisted = explainError(new ApiError({ status: 403, code: 'password_change_required', detail: '', extra: { reason: 'blocklist' } }), context);
    expect(blocklisted).toContain('breached or easily guessed');
  });
});
