import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { confirmTotp } from '../../app/factors/confirmTotp.ts';
import { deleteFactor } from '../../app/factors/deleteFactor.ts';
import { listFactors } from '../../app/factors/listFactors.ts';
import { regenerateRecoveryCodes } from '../../app/factors/regenerateRecoveryCodes.ts';
import { startTotpEnrollment } from '../../app/factors/startTotpEnrollment.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { errors, Id, NoBody, NoContent, NullableTimestamp, Strict, Timestamp } from '../schemas.ts';
import { setSessionCookies, wantsConsoleCookies } from '../sessionCookies.ts';

const tags = ['mfa'];
export const FactorSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  last_used_at: NullableTimestamp,
  phishing_resistant: Type.Boolean(),
});
const RotatedSession = Type.Object({ aal: Type.Integer(), amr: Type.Array(Type.String()), mfa_pending: Type.Boolean(), expires_at: Timestamp });

export function registerFactorRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/v1/me/mfa',
    {
      // Enrolling a first factor is what a credential held back by GATEHOUSE_REQUIRE_MFA may do.
      config: { auth: 'enrollment_ok' },
      schema: {
        tags,
        summary: "The caller's MFA status and factors",
        response: { 200: Type.Object({ enabled: Type.Boolean(), factors: Type.Array(FactorSchema), recovery_codes_remaining: Type.Integer() }), ...errors(401) },
      },
    },
    async (request) => listFactors(deps, actorOf(request)),
  );

  app.post(
    '/v1/me/mfa/totp',
    {
      // Enrolling a first factor is what a credential held back by GATEHOUSE_REQUIRE_MFA may do.
      config: { auth: 'enrollment_ok' },
      schema: {
        tags,
        summary: 'Start enrolling an authenticator app (inactive until confirmed)',
        body: Strict({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
        response: { 201: Type.Object({ factor_id: Type.String(), secret: Type.String(), otpauth_uri: Type.String() }), ...errors(401, 403) },
      },
    },
    async (request, reply) => reply.code(201).send(await startTotpEnrollment(deps, actorOf(request), request.body)),
  );

  app.post(
    '/v1/me/mfa/totp/:factor_id/confirm',
    {
      // Enrolling a first factor is what a credential held back by GATEHOUSE_REQUIRE_MFA may do.
      config: { auth: 'enrollment_ok' },
      schema: {
        tags,
        summary: 'Confirm an authenticator app with a code (rotates the session to aal 2)',
        params: Strict({ factor_id: Id }),
        body: Strict({ code: Type.String({ minLength: 1, maxLength: 20 }) }),
        response: {
          200: Type.Object({ token: Type.String(), session: RotatedSession, factor: FactorSchema, recovery_codes: Type.Optional(Type.Array(Type.String())) }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const result = await confirmTotp(deps, actorOf(request), { factorId: request.params.factor_id, code: request.body.code });
      if (wantsConsoleCookies(request)) setSessionCookies(reply, deps.config, deps.random, result.issued.token, result.issued.session.expires_at);
      return {
        token: result.issued.token,
        session: result.issued.session,
        factor: result.factor,
        ...(result.recoveryCodes ? { recovery_codes: result.recoveryCodes } : {}),
      };
    },
  );

  app.post(
    '/v1/me/mfa/recovery-codes',
    {
      schema: {
        tags,
        summary: 'Replace your recovery codes (needs aal 2 and a recent sign-in)',
        body: NoBody,
        response: { 200: Type.Object({ recovery_codes: Type.Array(Type.String()) }), ...errors(401, 403) },
      },
    },
    async (request) => ({ recovery_codes: await regenerateRecoveryCodes(deps, actorOf(request)) }),
  );

  app.delete(
    '/v1/me/mfa/factors/:factor_id',
    {
      schema: {
        tags,
        summary: 'Delete a factor',
        description:
          'Deleting the last factor: 409 mfa_required_by_organization for an owner of an organization that requires MFA; ' +
          '409 would_leave_organizations for a member of such organizations unless acknowledge_leaving_organizations is true.',
        params: Strict({ factor_id: Id }),
        body: Strict({ acknowledge_leaving_organizations: Type.Optional(Type.Boolean()) }),
        response: { 204: NoContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteFactor(deps, actorOf(request), {
        factorId: request.params.factor_id,
        acknowledgeLeavingOrganizations: request.body?.acknowledge_leaving_organizations,
      });
      return reply.code(204).send(null);
    },
  );
}
