import type { Config } from '../../config.ts';
import type { JitRole, SsoConfigRow } from '../../db/queries/sso.ts';

/** An organization's single sign-on settings as the API shows them: never the client secret. */
export interface PublicSsoConfig {
  issuer: string;
  client_id: string;
  trust_idp_mfa: boolean;
  max_idp_auth_age_seconds: number;
  verified_domains: string[];
  jit_role: JitRole;
  /** What to register at the identity provider as the redirect URI. */
  redirect_uri: string;
  /** Where members start a sign-in. */
  login_url: string;
  created_at: Date;
  updated_at: Date;
}

/** The redirect URI is one for the whole instance: the login state says which organization. */
export function ssoRedirectUri(config: Config): string {
  return `${config.publicUrl}/v1/sso/callback`;
}

export function publicSsoConfig(row: SsoConfigRow, slug: string, config: Config): PublicSsoConfig {
  return {
    ...ssoSummary(row),
    redirect_uri: ssoRedirectUri(config),
    login_url: `${config.publicUrl}/v1/orgs/${slug}/sso/login`,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** What the audit log records of the settings (`org.edit` changes): everything but the secret and the times. */
export function ssoSummary(row: Pick<SsoConfigRow, 'issuer' | 'client_id' | 'trust_idp_mfa' | 'max_idp_auth_age_seconds' | 'verified_domains' | 'jit_role'>): Omit<PublicSsoConfig, 'redirect_uri' | 'login_url' | 'created_at' | 'updated_at'> {
  return {
    issuer: row.issuer,
    client_id: row.client_id,
    trust_idp_mfa: row.trust_idp_mfa,
    max_idp_auth_age_seconds: row.max_idp_auth_age_seconds,
    verified_domains: row.verified_domains,
    jit_role: row.jit_role,
  };
}
