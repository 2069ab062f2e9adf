import type { Config } from '../../config.ts';
import { accountRestriction, type AccountRestriction } from '../../core/accountRestriction.ts';
import { credentialFacts } from '../../core/decideAccess.ts';
import { GatehouseError } from '../../core/errors.ts';
import type { ResolvedCredential } from '../../db/queries/credentials.ts';

/**
 * The restriction on a resolved credential, from facts read with it in one query (its user's
 * factors and password mark) and the instance's configuration. `amr` tells whether it rests on
 * the password: a single sign-on session's `amr` starts with `sso`, and a token or certificate
 * minted from one keeps it.
 */
export function credentialRestriction(
  config: Pick<Config, 'requireMfa'>,
  credential: Pick<ResolvedCredential, 'aal' | 'amr' | 'mfaPending' | 'hasFactor' | 'passwordCompromise'>,
): AccountRestriction | null {
  // A session still in its MFA step is described as it will be after the step (aal 2): what is
  // left to do once it is done. The step itself is said by `mfa_pending`.
  const aal = credential.mfaPending ? Math.max(credential.aal, 2) : credential.aal;
  return accountRestriction({
    instance: { mfaRequired: config.requireMfa },
    user: { hasFactor: credential.hasFactor, passwordCompromise: credential.passwordCompromise },
    credential: { ...credentialFacts({ aal, amr: credential.amr }), restsOnPassword: !credential.amr.includes('sso') },
  });
}

/**
 * The refusal a restricted credential gets everywhere but the few endpoints that lift the
 * restriction. The MFA codes are the access decision's own (a client already knows them: enroll,
 * or sign in again with the second factor); `required_by: "instance"` says that no organization
 * will do, since the whole instance requires MFA.
 */
export function restrictionError(restriction: AccountRestriction): GatehouseError {
  switch (restriction.code) {
    case 'password_change_required':
      return new GatehouseError(
        'password_change_required',
        restriction.reason === 'operator'
          ? 'your password was reported compromised: change it (PUT /v1/me/password) before anything else'
          : 'your password is on the list of breached or easily guessed passwords: change it (PUT /v1/me/password) before anything else',
        { extra: { reason: restriction.reason } },
      );
    case 'mfa_enrollment_required':
      return new GatehouseError('mfa_enrollment_required', 'this server requires two-factor authentication of every account: enable it first', {
        extra: { required_by: 'instance' },
      });
    case 'mfa_step_up_required':
      return new GatehouseError('mfa_step_up_required', 'this server requires two-factor authentication: sign in with your second factor', {
        extra: { required_by: 'instance' },
      });
  }
}
