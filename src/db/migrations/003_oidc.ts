import { sql, type Kysely } from 'kysely';

// Single sign-on with OpenID Connect, per organization. Plain SQL for PostgreSQL 15 and PGlite;
// timestamps come from the application's clock.
const statements = `
    create table org_sso_configs (
      org_id text primary key references orgs(id) on delete cascade,
      issuer text not null,
      client_id text not null,
      client_secret_sealed text not null,
      trust_idp_mfa boolean not null default false,
      max_idp_auth_age_seconds integer not null default 3600 check (max_idp_auth_age_seconds between 60 and 86400),
      verified_domains jsonb not null default '[]'::jsonb,
      jit_role text not null default 'member' check (jit_role in ('member', 'manager')),
      created_at timestamptz not null,
      updated_at timestamptz not null
    );
    create index org_sso_configs_issuer_idx on org_sso_configs(issuer);
    create table sso_identities (
      issuer text not null,
      subject text not null,
      user_id text not null references users(id) on delete cascade,
      created_at timestamptz not null,
      primary key (issuer, subject)
    );
    create index sso_identities_user_idx on sso_identities(user_id);
    create table sso_login_states (
      state text primary key,
      org_id text not null references orgs(id) on delete cascade,
      nonce text not null,
      code_verifier text not null,
      browser_binding text not null,
      redirect_after text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index sso_login_states_expires_idx on sso_login_states(expires_at);
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements.split(';').map((part) => part.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
