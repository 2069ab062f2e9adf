import { ApiError } from './api.ts';
import type { StoredCredentials } from './credentialsFile.ts';
import { explainError } from './explainError.ts';
import { shortTime } from './formatTime.ts';
import type { MyOrg } from './myOrgs.ts';
import { requestCertificate } from './requestCertificate.ts';
import { certificatePath, findPublicKeys } from './sshKeyFiles.ts';
import { CliFailure } from './cliErrors.ts';

/** Codes that refuse the organization as a whole: asking again with another key would only repeat them. */
const ORG_REFUSALS: ReadonlySet<string> = new Set(['not_found', 'membership_pending', 'mfa_enrollment_required', 'mfa_step_up_required', 'forbidden']);

/**
 * `login -f`: a certificate for every key and every organization, so `ssh` and `git` work with the
 * credential just verified (Platform.sh: "Refresh your SSH credentials by running login -f").
 * Returns how many organizations refused; each refusal is explained on stderr.
 */
export async function refreshCertificates(
  session: StoredCredentials,
  options: { sshDir: string; configuredKeys: readonly string[]; orgs: readonly MyOrg[] },
): Promise<{ written: number; refused: number }> {
  const keys = findPublicKeys({ sshDir: options.sshDir, configured: options.configuredKeys });
  if (keys.length === 0) throw new CliFailure(`no SSH public keys (id_*.pub) in ${options.sshDir}: create one with ssh-keygen -t ed25519, then run gatehouse login -f`);
  if (options.orgs.length === 0) {
    process.stdout.write('You are not a member of any organization: no SSH certificates to issue.\n');
    return { written: 0, refused: 0 };
  }
  // One organization: `id_ed25519-cert.pub`, which ssh uses with no configuration at all.
  const several = options.orgs.filter((org) => org.state === 'active').length > 1;
  let written = 0;
  let refused = 0;
  for (const org of options.orgs) {
    for (const key of keys) {
      try {
        const cert = await requestCertificate(session, { org: org.slug, publicKeyPath: key, certificatePath: certificatePath(key, several ? org.slug : undefined) });
        written += 1;
        process.stdout.write(`Wrote ${cert.path} for ${org.slug}, valid until ${shortTime(cert.validBefore)}.\n`);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code === 'server_unreachable' || error.code === 'unauthenticated') throw error;
        process.stderr.write(`gatehouse: ${explainError(error, { server: session.server, org: org.slug })}${error.code === 'invalid_public_key' ? ` [${key}]` : ''}\n`);
        if (ORG_REFUSALS.has(error.code)) {
          refused += 1;
          break;
        }
      }
    }
  }
  if (several && written > 0) {
    process.stdout.write('You are in several organizations: pick the certificate per host with CertificateFile in ~/.ssh/config.\n');
  }
  return { written, refused };
}
