import { AuditQueries } from './queries/audit.ts';
import { CredentialQueries } from './queries/credentials.ts';
import { FactorQueries } from './queries/factors.ts';
import { InvitationQueries } from './queries/invitations.ts';
import { OrgQueries } from './queries/orgs.ts';
import { OutboxQueries } from './queries/outbox.ts';
import { SshCertificateQueries } from './queries/sshCertificates.ts';
import { SsoQueries } from './queries/sso.ts';
import { UserQueries } from './queries/users.ts';
import { WebauthnQueries } from './queries/webauthn.ts';
import type { Db } from './schema.ts';

/** Every aggregate's queries over one handle: the pool, or the transaction of a use case. */
export interface Repos {
  users: UserQueries;
  credentials: CredentialQueries;
  factors: FactorQueries;
  orgs: OrgQueries;
  invitations: InvitationQueries;
  audit: AuditQueries;
  outbox: OutboxQueries;
  webauthn: WebauthnQueries;
  sshCertificates: SshCertificateQueries;
  sso: SsoQueries;
}

export function repos(db: Db): Repos {
  return {
    users: new UserQueries(db),
    credentials: new CredentialQueries(db),
    factors: new FactorQueries(db),
    orgs: new OrgQueries(db),
    invitations: new InvitationQueries(db),
    audit: new AuditQueries(db),
    outbox: new OutboxQueries(db),
    webauthn: new WebauthnQueries(db),
    sshCertificates: new SshCertificateQueries(db),
    sso: new SsoQueries(db),
  };
}
