import { GatehouseError } from '../../core/errors.ts';
import { issuerProblem } from '../../core/issuerUrl.ts';
import { openSecret, sealSecret } from '../../crypto/secretBox.ts';
import type { JitRole, SsoConfigRow } from '../../db/queries/sso.ts';
import { repos } from '../../db/repos.ts';
import type { OidcRelyingParty } from '../../sso/oidcRelyingParty.ts';
import { isInstanceAdmin } from '../admin/setPlan.ts';
import type { Actor, AppDeps } from '../deps.ts';
import { enterOrg } from '../orgs/enterOrg.ts';
import { enterOrgForChange } from '../orgs/enterOrgForChange.ts';
import { transact } from '../transact.ts';
import { publicSsoConfig, ssoSummary, type PublicSsoConfig } from './publicSsoConfig.ts';

export interface SsoConfigInput {
  issuer: string;
  client_id: string;
  client_secret: string;
  trust_idp_mfa?: boolean;
  max_idp_auth_age_seconds?: number;
  verified_domains?: string[];
  jit_role?: JitRole;
}

export const DEFAULT_MAX_IDP_AUTH_AGE_SECONDS = 3600;

function invalidField(field: string, message: string): GatehouseError {
  return new GatehouseError('invalid_request', `${field} ${message}`, { extra: { errors: [{ field, in: 'body', message }] } });
}

/**
 * Sets an organization's OpenID Connect settings (a full replacement: omitted options take their
 * defaults). Admins and owners. The issuer's discovery document is fetched first, so a typo is
 * a 400 naming `issuer` now rather than a failed sign-in later; that fetch happens after the
 * role check (nobody else can make the server fetch URLs) and outside the transaction.
 *
 * Adding a verified domain needs an instance administrator: a verified domain lets the
 * organization's IdP create and sign in Gatehouse accounts of that domain, so an organization
 * admin's word that they own `gmail.com` must not be enough (docs/sso.md).
 */
export async function putSsoConfig(deps: AppDeps, rp: OidcRelyingParty, actor: Actor, slug: string, input: SsoConfigInput): Promise<PublicSsoConfig> {
  const issuer = input.issuer.trim();
  const problem = issuerProblem(issuer, { production: deps.config.production });
  if (problem) throw invalidField('issuer', problem);
  const domains = [...new Set((input.verified_domains ?? []).map((domain) => domain.trim().toLowerCase()))].sort();

  await enterOrg(deps, repos(deps.db), actor, slug, deps.clock.now(), { minRole: 'admin' });
  try {
    await rp.discover({ issuer, clientId: input.client_id, clientSecret: input.client_secret });
  } catch (cause) {
    throw new GatehouseError('invalid_request', 'the issuer did not answer with a valid OpenID discovery document', {
      cause,
      extra: { errors: [{ field: 'issuer', in: 'body', message: 'has no valid OpenID discovery document' }] },
    });
  }

  return transact(deps, async (tx) => {
    const { org } = await enterOrgForChange(deps, tx.r, actor, slug, tx.now, { minRole: 'admin' });
    const old = await tx.r.sso.config(org.id);
    const added = domains.filter((domain) => !(old?.verified_domains ?? []).includes(domain));
    if (added.length > 0 && !isInstanceAdmin(deps, actor)) {
      throw new GatehouseError('forbidden', 'only instance administrators add verified domains');
    }
    const next = {
      issuer,
      client_id: input.client_id,
      trust_idp_mfa: input.trust_idp_mfa ?? false,
      max_idp_auth_age_seconds: input.max_idp_auth_age_seconds ?? DEFAULT_MAX_IDP_AUTH_AGE_SECONDS,
      verified_domains: domains,
      jit_role: input.jit_role ?? 'member',
    };
    await tx.r.sso.putConfig({
      orgId: org.id,
      issuer: next.issuer,
      clientId: next.client_id,
      // Bound to the organization's id: a sealed secret copied into another row does not open.
      clientSecretSealed: sealSecret({ key: deps.secretKey, plaintext: input.client_secret, random: deps.random, associatedData: org.id }),
      trustIdpMfa: next.trust_idp_mfa,
      maxIdpAuthAgeSeconds: next.max_idp_auth_age_seconds,
      verifiedDomains: next.verified_domains,
      jitRole: next.jit_role,
      now: tx.now,
    });
    const before = old ? ssoSummary(old) : null;
    const after = ssoSummary(next);
    const secretRotated = old !== undefined && !sameSecret(deps, old, input.client_secret);
    if (JSON.stringify(before) !== JSON.stringify(after) || secretRotated) {
      // The secret itself is never recorded, only that it changed.
      tx.audit({ orgId: org.id, action: 'org.edit', actorId: actor.userId, data: { changes: { sso: [before, after] }, ...(secretRotated ? { client_secret_rotated: true } : {}) } });
    }
    const saved = await tx.r.sso.config(org.id);
    if (!saved) throw new Error('single sign-on settings vanished inside their own transaction');
    return publicSsoConfig(saved, org.slug, deps.config);
  });
}

function sameSecret(deps: AppDeps, row: SsoConfigRow, secret: string): boolean {
  try {
    return openSecret({ key: deps.secretKey, sealed: row.client_secret_sealed, associatedData: row.org_id }) === secret;
  } catch {
    return false;
  }
}
