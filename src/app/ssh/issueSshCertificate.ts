import { parseUserPublicKey } from '../../ssh/parsePublicKey.ts';
import { issueUserCertificate, type IssuedUserCertificate } from '../../ssh/issueCertificate.ts';
import type { SshCa } from '../../ssh/caKey.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { transact } from '../transact.ts';

/**
 * Issues a short-lived OpenSSH user certificate for the `ssh` (and `git`) channel. The access
 * decision for channel `ssh` runs first, so a member without MFA in an enforcing organization —
 * or holding only an aal-1 credential — gets no certificate (Platform.sh). The principal is the
 * organization's slug; the key id names the user, so sshd's logs say who connected.
 */
export async function issueSshCertificate(
  deps: AppDeps,
  ca: SshCa,
  actor: Actor,
  input: { slug: string; publicKey: string; validSeconds?: number },
): Promise<IssuedUserCertificate> {
  return transact(deps, async (tx) => {
    const entry = await enterOrg(deps, tx.r, { ...actor, channel: 'ssh' }, input.slug, tx.now);
    const key = parseUserPublicKey(input.publicKey);
    const serial = BigInt(`0x${Buffer.from(deps.random.bytes(8)).toString('hex')}`);
    const issued = issueUserCertificate({
      ca,
      publicKey: input.publicKey,
      keyId: `${actor.email} ${actor.userId}`,
      principals: [entry.org.slug],
      now: tx.now,
      serial,
      random: deps.random,
      ...(input.validSeconds !== undefined ? { validSeconds: input.validSeconds } : {}),
    });
    const fingerprint = key.fingerprint('sha256').toString();
    // Recorded with what the asking credential proved, so sshd's AuthorizedPrincipalsCommand can
    // re-run the same decision at every connection (POST /v1/ssh/authorize): a member moved to
    // pending or blocked after this moment is refused without waiting for the certificate to expire.
    await tx.r.sshCertificates.insert({
      serial: serial.toString(),
      userId: actor.userId,
      orgId: entry.org.id,
      keyFingerprint: fingerprint,
      aal: actor.credential.aal,
      amr: actor.credential.amr,
      validAfter: issued.validAfter,
      validBefore: issued.validBefore,
      now: tx.now,
    });
    tx.audit({
      orgId: entry.org.id,
      action: 'ssh.certificate_issue',
      actorId: actor.userId,
      targetId: actor.userId,
      data: { serial: serial.toString(), fingerprint, valid_before: issued.validBefore.toISOString() },
    });
    return issued;
  });
}
