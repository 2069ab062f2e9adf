import { Type } from 'typebox';
import { changePassword } from '../../app/accounts/changePassword.ts';
import { completeMfaStep } from '../../app/accounts/completeMfaStep.ts';
import { credentialRestriction } from '../../app/accounts/credentialRestriction.ts';
import { endOtherSessions, endSession } from '../../app/accounts/endSessions.ts';
import { listSessions } from '../../app/accounts/listSessions.ts';
import { removePassword } from '../../app/accounts/removePassword.ts';
import { signIn } from '../../app/accounts/signIn.ts';
import { signOut } from '../../app/accounts/signOut.ts';
import { signUp } from '../../app/accounts/signUp.ts';
import type { AppDeps } from '../../app/deps.ts';
import type { App } from '../buildServer.ts';
import { actorOf } from '../actorOf.ts';
import { Email, errors, Id, NoBody, NoContent, PublicUserSchema, RestrictionSchema, Strict, Timestamp } from '../schemas.ts';
import { clearSessionCookies, cookieNames, setSessionCookies, wantsConsoleCookies } from '../sessionCookies.ts';
import type { Extras } from './index.ts';

const SessionSchema = Type.Object({
  aal: Type.Integer(),
  amr: Type.Array(Type.String()),
  mfa_pending: Type.Boolean(),
  expires_at: Timestamp,
  restriction: Type.Optional(RestrictionSchema),
});
const IssuedSchema = Type.Object({ token: Type.String(), session: SessionSchema });
const tags = ['accounts'];
const SessionListItem = Type.Object({
  id: Type.String(),
  aal: Type.Integer(),
  amr: Type.Array(Type.String()),
  mfa_pending: Type.Boolean({ description: 'Signed in with the password, still waiting for the MFA step' }),
  created_at: Timestamp,
  last_seen_at: Timestamp,
  expires_at: Timestamp,
  current: Type.Boolean({ description: 'The session making this request' }),
});

export function registerAccountRoutes(app: App, deps: AppDeps, extras: Extras): void {
  app.post(
    '/v1/users',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Sign up',
        security: [],
        body: Strict({ email: Email, password: Type.String({ minLength: 1, maxLength: 1024 }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 201: Type.Object({ user: PublicUserSchema }), ...errors(409) },
      },
    },
    async (request, reply) => reply.code(201).send({ user: await signUp(deps, request.body) }),
  );

  app.post(
    '/v1/sessions',
    {
      config: { auth: 'none' },
      schema: {
        tags,
        summary: 'Sign in with email and password',
        security: [],
        body: Strict({ email: Type.String({ maxLength: 254 }), password: Type.String({ maxLength: 1024 }) }),
        response: { 201: IssuedSchema, ...errors(401, 429) },
      },
    },
    async (request, reply) => {
      // A console sign-in replaces the session this browser held (ASVS 5.0 7.2.4).
      const previous = request.cookies?.[cookieNames(deps.config).session];
      const issued = await signIn(deps, request.body, previous ? { replacesToken: previous } : {});
      if (wantsConsoleCookies(request)) setSessionCookies(reply, deps.config, deps.random, issued.token, issued.session.expires_at);
      return reply.code(201).send(issued);
    },
  );

  app.post(
    '/v1/sessions/current/mfa',
    {
      config: { auth: 'pending_ok' },
      schema: {
        tags,
        summary: 'Complete the MFA step of a sign-in (rotates the session)',
        body: Type.Union([
          Strict({ type: Type.Literal('totp'), code: Type.String({ maxLength: 20 }) }),
          Strict({ type: Type.Literal('recovery_code'), code: Type.String({ maxLength: 64 }) }),
          Strict({ type: Type.Literal('webauthn'), response: Type.Object({}, { additionalProperties: true }) }),
        ]),
        response: { 200: IssuedSchema, ...errors(401, 409, 429) },
      },
    },
    async (request, reply) => {
      const issued = await completeMfaStep(deps, actorOf(request), request.body, { webauthn: extras.webauthnAssertion });
      if (wantsConsoleCookies(request)) setSessionCookies(reply, deps.config, deps.random, issued.token, issued.session.expires_at);
      return issued;
    },
  );

  app.get(
    '/v1/sessions/current',
    {
      config: { auth: 'pending_ok' },
      schema: {
        tags,
        summary: 'The current session and its user',
        response: { 200: Type.Object({ user: PublicUserSchema, session: SessionSchema }), ...errors(401) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { credential } = actor;
      return {
        user: { id: actor.userId, email: actor.email, name: credential.name },
        session: {
          aal: credential.aal,
          amr: credential.amr,
          mfa_pending: credential.mfaPending,
          expires_at: credential.expiresAt ?? new Date(8.64e15),
          restriction: credentialRestriction(deps.config, credential),
        },
      };
    },
  );

  app.delete(
    '/v1/sessions/current',
    { config: { auth: 'pending_ok' }, schema: { tags, summary: 'Sign out', body: NoBody, response: { 204: NoContent, ...errors(401) } } },
    async (request, reply) => {
      await signOut(deps, actorOf(request));
      clearSessionCookies(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/me/password',
    { schema: { tags, summary: 'Remove your password (needs a recent sign-in; ends your other sessions)', body: NoBody, response: { 204: NoContent, ...errors(401, 403, 409) } } },
    async (request, reply) => {
      await removePassword(deps, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/v1/me/password',
    {
      // The one thing a credential resting on a compromised password may do (besides signing out).
      config: { auth: 'password_change_ok' },
      schema: {
        tags,
        summary: 'Change your password',
        description:
          'Needs the current password (wrong: 401 invalid_credentials, counted like a failed sign-in; 429 too_many_attempts) and, ' +
          'for a user with MFA, a session that verified it (403 mfa_step_up_required). Personal access tokens cannot call it ' +
          '(403 reauthentication_required). 400 weak_password as at sign-up, or when the new password is the current one. ' +
          'Every other session of the user ends; personal access tokens keep working. The user is mailed. ' +
          'This is the one call (with signing out) open to a session whose password must be changed ' +
          '(403 password_change_required everywhere else, with `reason`: operator or blocklist); the change lifts that restriction.',
        body: Strict({ current_password: Type.String({ minLength: 1, maxLength: 1024 }), new_password: Type.String({ minLength: 1, maxLength: 1024 }) }),
        response: { 204: NoContent, ...errors(401, 403, 429) },
      },
    },
    async (request, reply) => {
      await changePassword(deps, actorOf(request), request.body);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/me/sessions',
    {
      schema: {
        tags,
        summary: 'Your sessions that still work, newest first',
        response: { 200: Type.Object({ sessions: Type.Array(SessionListItem) }), ...errors(401, 403) },
      },
    },
    async (request) => ({ sessions: await listSessions(deps, actorOf(request)) }),
  );

  app.delete(
    '/v1/me/sessions/:session_id',
    {
      schema: {
        tags,
        summary: 'End one of your sessions (another one needs a recent sign-in: 403 reauthentication_required)',
        params: Strict({ session_id: Id }),
        body: NoBody,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await endSession(deps, actor, request.params.session_id);
      // Ending the current session is signing out: the console's cookies go with it.
      if (request.params.session_id === actor.credential.id) clearSessionCookies(reply, deps.config);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/v1/me/sessions',
    {
      schema: {
        tags,
        summary: 'End every session but this one (needs a recent sign-in: 403 reauthentication_required)',
        body: NoBody,
        response: { 204: NoContent, ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      await endOtherSessions(deps, actorOf(request));
      return reply.code(204).send(null);
    },
  );
}
