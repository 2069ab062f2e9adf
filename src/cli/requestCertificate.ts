import { api } from './api.ts';
import type { StoredCredentials } from './credentialsFile.ts';
import { certificatePath, readPublicKey, writeCertificate } from './sshKeyFiles.ts';

export interface WrittenCertificate {
  path: string;
  principals: string[];
  validBefore: string;
}

interface IssuedBody {
  certificate: string;
  principals: string[];
  valid_before: string;
}

/** Asks the server to certify one public key for one organization and writes `<key>[-<org>]-cert.pub` beside it. */
export async function requestCertificate(
  session: StoredCredentials,
  options: { org: string; publicKeyPath: string; certificatePath?: string },
): Promise<WrittenCertificate> {
  const publicKey = readPublicKey(options.publicKeyPath);
  const issued = await api<IssuedBody>(session.server, 'POST', `/v1/orgs/${encodeURIComponent(options.org)}/ssh-certificates`, {
    token: session.token,
    body: { public_key: publicKey },
  });
  const path = options.certificatePath ?? certificatePath(options.publicKeyPath);
  writeCertificate(path, issued.certificate);
  return { path, principals: issued.principals, validBefore: issued.valid_before };
}

