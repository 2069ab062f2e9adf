import { sql, type Kysely } from 'kysely';

// Every issued SSH certificate, so sshd can ask at connection time whether its holder may still
// enter the organization (POST /v1/ssh/authorize). The serial is the certificate's own 64-bit
// serial in decimal, as sshd's %s token and `ssh-keygen -L` print it; text, because PostgreSQL's
// bigint is signed and would not hold the upper half of the range.
const statements = `
    create table ssh_certificates (
      serial text primary key,
      user_id text not null references users(id) on delete cascade,
      org_id text not null references orgs(id) on delete cascade,
      key_fingerprint text not null,
      aal integer not null,
      amr jsonb not null,
      valid_after timestamptz not null,
      valid_before timestamptz not null,
      created_at timestamptz not null,
      revoked_at timestamptz
    );
    create index ssh_certificates_user_idx on ssh_certificates(user_id);
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements.split(';').map((part) => part.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
