import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { registerWebauthn } from '../../app/factors/registerWebauthn.ts';
import { startWebauthnAuthentication } from '../../app/factors/startWebauthnAuthentication.ts';
import { startWebauthnRegistration } from '../../app/factors/startWebauthnRegistration.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, NoBody, Strict, Timestamp } from '../schemas.ts';
import { setSessionCookies, wantsConsoleCookies } from '../sessionCookies.ts';
import { FactorSchema } from './factors.ts';

/**
 * WebAuthn JSON (options from the server, credentials from the browser) is defined by the W3C
 * spec and checked by simplewebauthn; the schema passes it through whole.
 */
const WebauthnJson = (description: string) => Type.Object({}, { additionalProperties: true, description });
const RotatedSession = Type.Object({ aal: Type.Integer(), amr: Type.Array(Type.String()), mfa_pending: Type.Boolean(), expires_at: Timestamp });

export function registerWebauthnRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/v1/me/mfa/webauthn/options',
    {
      config: { auth: 'enrollment_ok' },
      schema: {
        tags: ['mfa'],
        summary: 'Creation options for registering a passkey (needs aal 2 and a recent sign-in when a factor exists)',
        body: NoBody,
        response: { 200: WebauthnJson('PublicKeyCredentialCreationOptionsJSON, for navigator.credentials.create()'), ...errors(401, 403) },
      },
    },
    async (request) => startWebauthnRegistration(deps, actorOf(request)),
  );

  app.post(
    '/v1/me/mfa/webauthn',
    {
      config: { auth: 'enrollment_ok' },
      schema: {
        tags: ['mfa'],
        summary: 'Register a passkey from its attestation response (rotates the session to aal 2)',
        description: 'The first factor returns 10 single-use recovery codes. 401 invalid_mfa_code when the response does not verify against the latest options.',
        body: Strict({
          response: WebauthnJson('RegistrationResponseJSON, from navigator.credentials.create()'),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        }),
        response: {
          201: Type.Object({ token: Type.String(), session: RotatedSession, factor: FactorSchema, recovery_codes: Type.Optional(Type.Array(Type.String())) }),
          ...errors(401, 403),
        },
      },
    },
    async (request, reply) => {
      const result = await registerWebauthn(deps, actorOf(request), { response: request.body.response, name: request.body.name });
      if (wantsConsoleCookies(request)) setSessionCookies(reply, deps.config, deps.random, result.issued.token, result.issued.session.expires_at);
      return reply.code(201).send({
        token: result.issued.token,
        session: result.issued.session,
        factor: result.factor,
        ...(result.recoveryCodes ? { recovery_codes: result.recoveryCodes } : {}),
      });
    },
  );

  app.post(
    '/v1/sessions/current/mfa/webauthn/options',
    {
      config: { auth: 'pending_ok' },
      schema: {
        tags: ['accounts'],
        summary: "Request options for the MFA step with a passkey (a pending session only; lists the user's passkeys)",
        description: '404 not_found when the account has no passkey; 409 mfa_not_pending when the session is not waiting for the MFA step.',
        body: NoBody,
        response: { 200: WebauthnJson('PublicKeyCredentialRequestOptionsJSON, for navigator.credentials.get()'), ...errors(401, 404, 409) },
      },
    },
    async (request) => startWebauthnAuthentication(deps, actorOf(request)),
  );
}
