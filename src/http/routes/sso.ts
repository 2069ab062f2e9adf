import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { deleteSsoConfig } from '../../app/sso/deleteSsoConfig.ts';
import { finishSsoLogin } from '../../app/sso/finishSsoLogin.ts';
import { getSsoConfig } from '../../app/sso/getSsoConfig.ts';
import { putSsoConfig } from '../../app/sso/putSsoConfig.ts';
import { LOGIN_STATE_TTL_SECONDS, startSsoLogin } from '../../app/sso/startSsoLogin.ts';
import type { Config } from '../../config.ts';
import { isGatehouseError } from '../../core/errors.ts';
import { openidClientRelyingParty, type OidcRelyingParty } from '../../sso/oidcRelyingParty.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, NoBody, NoContent, Strict, Timestamp } from '../schemas.ts';
import { setSessionCookies } from '../sessionCookies.ts';
import { SlugParams } from './orgs.ts';

const tags = ['sso'];
const JitRole = Type.Union([Type.Literal('member'), Type.Literal('manager')]);
const Domain = Type.String({ maxLength: 253, pattern: '^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$' });
const SsoConfigSchema = Type.Object({
  issuer: Type.String(),
  client_id: Type.String(),
  trust_idp_mfa: Type.Boolean(),
  max_idp_auth_age_seconds: Type.Integer(),
  verified_domains: Type.Array(Type.String()),
  jit_role: JitRole,
  redirect_uri: Type.String({ description: 'Register this at the identity provider' }),
  login_url: Type.String({ description: 'Where members start signing in' }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
const Redirect = Type.Unsafe<null>({ type: 'null', description: 'A redirect: see the Location header' });

/** The cookie that ties a login's callback to the browser that started it (login CSRF). */
function bindingCookieName(config: Config): { name: string; secure: boolean } {
  const secure = config.publicUrl.startsWith('https://');
  return { name: secure ? '__Host-gatehouse_sso' : 'gatehouse_sso', secure };
}

function rawQueryOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '';
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at + 1);
}

function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 302);
}

export function registerSsoRoutes(app: App, deps: AppDeps, rp: OidcRelyingParty = openidClientRelyingParty): void {
  app.put(
    '/v1/orgs/:slug/sso',
    {
      schema: {
        tags,
        summary: 'Set the organization\'s OpenID Connect single sign-on (admins and owners; adding verified domains: instance administrators)',
        description:
          'A full replacement: omitted options take their defaults. The issuer\'s discovery document is fetched now; 400 naming `issuer` when it cannot be. ' +
          'With `trust_idp_mfa`, a sign-in whose ID token `amr` shows a second factor (mfa, otp, hwk, swk, fpt) no older than `max_idp_auth_age_seconds` counts as MFA. ' +
          'Audited as `org.edit` with `changes.sso`; the client secret is stored encrypted and never returned.',
        params: SlugParams,
        body: Strict({
          issuer: Type.String({ minLength: 1, maxLength: 2048 }),
          client_id: Type.String({ minLength: 1, maxLength: 512 }),
          client_secret: Type.String({ minLength: 1, maxLength: 4096 }),
          trust_idp_mfa: Type.Optional(Type.Boolean()),
          max_idp_auth_age_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
          verified_domains: Type.Optional(Type.Array(Domain, { maxItems: 100 })),
          jit_role: Type.Optional(JitRole),
        }),
        response: { 200: SsoConfigSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => putSsoConfig(deps, rp, actorOf(request), request.params.slug, request.body),
  );

  app.get(
    '/v1/orgs/:slug/sso',
    {
      schema: {
        tags,
        summary: 'The organization\'s single sign-on settings, without the client secret (admins and owners)',
        params: SlugParams,
        response: { 200: SsoConfigSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => getSsoConfig(deps, actorOf(request), request.params.slug),
  );

  app.delete(
    '/v1/orgs/:slug/sso',
    {
      schema: {
        tags,
        summary: 'Turn single sign-on off (admins and owners)',
        params: SlugParams,
        body: NoBody,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteSsoConfig(deps, actorOf(request), request.params.slug);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/orgs/:slug/sso/login',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Start signing in through the organization\'s identity provider (a browser redirect)',
        description:
          '302 to the identity provider: authorization code flow with PKCE (S256), state and nonce, scope `openid email profile`. ' +
          '404 when the organization has no single sign-on; 403 `forbidden` when its `allowed_auth_methods` lacks `oidc`.',
        security: [],
        params: SlugParams,
        querystring: Strict({ redirect: Type.Optional(Type.String({ maxLength: 512, description: 'A path on this site to return to (default /)' })) }),
        response: { 302: Redirect, ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      const started = await startSsoLogin(deps, rp, { slug: request.params.slug, ...(request.query.redirect !== undefined ? { redirect: request.query.redirect } : {}) });
      const cookie = bindingCookieName(deps.config);
      reply.setCookie(cookie.name, started.browserBinding, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure, maxAge: LOGIN_STATE_TTL_SECONDS });
      return redirect(reply, started.authorizationUrl.href);
    },
  );

  app.get(
    '/v1/sso/callback',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Where the identity provider sends the browser back (the redirect URI)',
        description:
          'Sets the console session cookies and redirects to the path the login asked for, or to /account/security when the user must enroll a factor before joining. ' +
          'The session is aal 2 when the IdP\'s MFA is trusted, else aal 1 (`mfa_pending` when the user has a local factor). ' +
          '400 `invalid_request` for an unknown, used or expired state or a response that does not validate; 403 `forbidden` for a sign-in started in another browser, ' +
          'an unverified email, an email outside the verified domains of a non-member, or an organization that no longer allows `oidc`. Audited as `sso.login`.',
        security: [],
        // Providers add their own parameters (session_state, scope, …): extra ones are accepted here.
        querystring: Type.Object(
          {
            code: Type.Optional(Type.String({ maxLength: 4096 })),
            state: Type.Optional(Type.String({ maxLength: 512 })),
            iss: Type.Optional(Type.String({ maxLength: 2048 })),
            error: Type.Optional(Type.String({ maxLength: 256 })),
            error_description: Type.Optional(Type.String({ maxLength: 2048 })),
          },
          { additionalProperties: true },
        ),
        response: { 302: Redirect, ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      const cookie = bindingCookieName(deps.config);
      const browserBinding = request.cookies?.[cookie.name];
      reply.clearCookie(cookie.name, { path: '/', secure: cookie.secure });
      try {
        const finished = await finishSsoLogin(deps, rp, { query: request.query, rawQuery: rawQueryOf(request), browserBinding });
        setSessionCookies(reply, deps.config, deps.random, finished.issued.token, finished.issued.session.expires_at);
        return redirect(reply, finished.redirectAfter);
      } catch (error) {
        // Why a provider's answer was refused matters to whoever configures SSO: log the cause (never a secret).
        // Name, message and code only: a library error's other members may carry the provider's response.
        if (isGatehouseError(error) && error.cause instanceof Error) {
          const { name, message } = error.cause;
          const code = (error.cause as { code?: unknown }).code;
          request.log.warn({ cause: { name, message, code } }, `single sign-on refused: ${error.message}`);
        }
        throw error;
      }
    },
  );
}
