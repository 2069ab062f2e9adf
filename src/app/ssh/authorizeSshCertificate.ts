import { decideAccess } from '../../core/decideAccess.ts';
import { repos } from '../../db/repos.ts';
import type { AppDeps } from '../deps.ts';
import { instancePolicy } from '../orgs/enterOrg.ts';

export interface AuthorizeSshInput {
  /** The certificate's serial in decimal (sshd's %s). */
  serial: string;
  /** The certificate's key id (sshd's %i): when given, it must name the certificate's user. */
  keyId?: string;
  /** The principal this host admits (its organization's slug): when given, other organizations' certificates are refused. */
  principal?: string;
  /** `SHA256:…` of the key presented (sshd's %f): when given, it must be the certified key. */
  fingerprint?: string;
}

export type SshRefusal =
  | 'unknown_certificate'
  | 'not_yet_valid'
  | 'expired'
  | 'revoked'
  | 'fingerprint_mismatch'
  | 'key_id_mismatch'
  | 'principal_mismatch'
  | 'not_found'
  | 'membership_pending'
  | 'mfa_enrollment_required'
  | 'mfa_step_up_required';

export interface SshAuthorization {
  /** What sshd's AuthorizedPrincipalsCommand prints: the organization's slug, or nothing. */
  principals: string[];
  /** Why nothing, for the host's logs. */
  reason?: SshRefusal;
}

/**
 * `POST /v1/ssh/authorize`, asked by sshd at every connection: may the holder of this certificate
 * still enter its organization? The certificate was issued after the access decision for channel
 * `ssh`; this runs the same decision again with today's membership, policy and factors and the
 * credential the certificate was issued to (its aal and amr), so being moved to pending, blocked
 * or dropping MFA closes SSH and Git at the next connection rather than when the certificate
 * expires. Read-only and on the hot path of every login: nothing is audited.
 */
export async function authorizeSshCertificate(deps: AppDeps, input: AuthorizeSshInput): Promise<SshAuthorization> {
  const r = repos(deps.db);
  const now = deps.clock.now();
  const certificate = await r.sshCertificates.bySerial(input.serial);
  if (!certificate) return refuse('unknown_certificate');
  if (certificate.revoked_at !== null) return refuse('revoked');
  if (now.getTime() < certificate.valid_after.getTime()) return refuse('not_yet_valid');
  if (now.getTime() >= certificate.valid_before.getTime()) return refuse('expired');
  // sshd already checked the CA's signature; these make sure the serial is the certificate in
  // hand and not a live serial quoted for some other key (or signed by some other trusted CA).
  if (input.fingerprint !== undefined && input.fingerprint !== certificate.key_fingerprint) return refuse('fingerprint_mismatch');
  if (input.keyId !== undefined && input.keyId.split(' ').at(-1) !== certificate.user_id) return refuse('key_id_mismatch');
  if (input.principal !== undefined && input.principal !== certificate.org_slug) return refuse('principal_mismatch');

  const row = await r.orgs.accessRow(certificate.org_slug, certificate.user_id);
  if (!row) return refuse('not_found');
  const decision = decideAccess({
    membership: row.membership ? { role: row.membership.role, state: row.membership.state, reinstateUntil: row.membership.reinstate_until } : null,
    // A certificate issued before the operator turned GATEHOUSE_REQUIRE_MFA on stops at its next connection.
    instance: instancePolicy(deps.config),
    policy: { mfaRequired: row.org.mfa_required, gracePeriodEndsAt: row.org.grace_period_ends_at, requiredFactor: row.org.required_factor },
    user: { hasFactor: row.hasFactor, hasPhishingResistantFactor: row.hasPhishingResistantFactor },
    credential: { aal: certificate.aal, phishingResistant: certificate.amr.includes('hwk') || certificate.amr.includes('swk') },
    channel: 'ssh',
    now,
  });
  if (!decision.allowed) return refuse(decision.code);
  return { principals: [row.org.slug] };
}

function refuse(reason: SshRefusal): SshAuthorization {
  return { principals: [], reason };
}
