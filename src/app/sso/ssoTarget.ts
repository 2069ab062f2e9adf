import { GatehouseError } from '../../core/errors.ts';
import { openSecret } from '../../crypto/secretBox.ts';
import type { OrgRow } from '../../db/queries/orgs.ts';
import type { SsoConfigRow } from '../../db/queries/sso.ts';
import { repos } from '../../db/repos.ts';
import type { OidcClientSettings } from '../../sso/oidcRelyingParty.ts';
import type { AppDeps } from '../deps.ts';

/** The organization and its settings, refusing what the contract refuses at sign-in. */
export async function ssoTarget(deps: AppDeps, slug: string): Promise<{ org: OrgRow; config: SsoConfigRow; settings: OidcClientSettings }> {
  const r = repos(deps.db);
  const org = await r.orgs.bySlug(slug);
  const config = org ? await r.sso.config(org.id) : undefined;
  if (!org || !config) throw new GatehouseError('not_found', 'this organization has no single sign-on');
  if (!org.allowed_auth_methods.includes('oidc')) throw new GatehouseError('forbidden', 'this organization does not allow single sign-on');
  const clientSecret = openSecret({ key: deps.secretKey, sealed: config.client_secret_sealed, associatedData: org.id });
  return { org, config, settings: { issuer: config.issuer, clientId: config.client_id, clientSecret } };
}

