import { sql, type Kysely } from 'kysely';

// Plain SQL that PostgreSQL 15 (production) and PGlite (Postgres 18) both accept.
// Timestamps are written by the application from its injected clock, never by now().
const statements = `
    create table users (
      id text primary key,
      email text not null unique,
      name text,
      password_hash text,
      failed_attempts integer not null default 0,
      last_failed_at timestamptz,
      created_at timestamptz not null
    );
    create table sessions (
      id text primary key,
      token_hash text not null unique,
      user_id text not null references users(id) on delete cascade,
      aal integer not null,
      amr jsonb not null,
      mfa_pending boolean not null,
      authenticated_at timestamptz not null,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      expires_at timestamptz not null,
      revoked_at timestamptz
    );
    create index sessions_user_idx on sessions(user_id);
    create table personal_access_tokens (
      id text primary key,
      token_hash text not null unique,
      user_id text not null references users(id) on delete cascade,
      name text not null,
      aal integer not null,
      amr jsonb not null,
      created_at timestamptz not null,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index pat_user_idx on personal_access_tokens(user_id);
    create table mfa_factors (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      type text not null check (type in ('totp', 'webauthn')),
      name text not null,
      secret_sealed text,
      confirmed_at timestamptz,
      last_used_step bigint,
      last_used_at timestamptz,
      created_at timestamptz not null,
      phishing_resistant boolean not null default false,
      credential_id text unique,
      public_key text,
      sign_count bigint,
      transports jsonb,
      backed_up boolean,
      device_type text
    );
    create index mfa_factors_user_idx on mfa_factors(user_id);
    create table recovery_codes (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      code_hash text not null,
      created_at timestamptz not null,
      used_at timestamptz,
      unique (user_id, code_hash)
    );
    create table orgs (
      id text primary key,
      slug text not null unique,
      name text not null,
      plan text not null,
      allowed_auth_methods jsonb not null,
      mfa_required boolean not null default false,
      noncompliant_action text not null default 'refuse' check (noncompliant_action in ('refuse', 'block', 'remove')),
      required_factor text not null default 'any' check (required_factor in ('any', 'phishing_resistant')),
      grace_period_ends_at timestamptz,
      mfa_enabled_at timestamptz,
      mfa_enabled_by text,
      created_at timestamptz not null
    );
    create table memberships (
      org_id text not null references orgs(id) on delete cascade,
      user_id text not null references users(id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'manager', 'member')),
      state text not null check (state in ('active', 'pending')),
      pending_since timestamptz,
      reinstate_until timestamptz,
      last_reminded_at timestamptz,
      created_at timestamptz not null,
      primary key (org_id, user_id)
    );
    create index memberships_user_idx on memberships(user_id);
    create table invitations (
      id text primary key,
      org_id text not null references orgs(id) on delete cascade,
      email text not null,
      role text not null check (role in ('owner', 'admin', 'manager', 'member')),
      token_hash text not null unique,
      invited_by text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      revoked_at timestamptz
    );
    create index invitations_org_idx on invitations(org_id);
    create table audit_events (
      seq bigint generated always as identity primary key,
      id text not null unique,
      org_id text,
      action text not null,
      actor_id text,
      target_id text,
      data jsonb not null,
      created_at timestamptz not null
    );
    create index audit_events_org_idx on audit_events(org_id, seq);
    create table outbox (
      seq bigint generated always as identity primary key,
      id text not null unique,
      kind text not null,
      recipient text not null,
      subject text not null,
      text_body text not null,
      html_body text not null,
      created_at timestamptz not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      claimed_until timestamptz,
      sent_at timestamptz,
      logged_at timestamptz,
      last_error text
    );
    create index outbox_due_idx on outbox(next_attempt_at) where sent_at is null;
    create table webauthn_challenges (
      id text primary key,
      user_id text not null references users(id) on delete cascade,
      purpose text not null,
      challenge text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );
`;

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: the extended protocol (used by both drivers) takes no batches.
  for (const statement of statements.split(';').map((part) => part.trim()).filter(Boolean)) {
    await sql.raw(statement).execute(db);
  }
}
