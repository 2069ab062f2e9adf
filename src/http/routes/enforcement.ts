import { Type } from 'typebox';
import type { AppDeps } from '../../app/deps.ts';
import { disableEnforcement } from '../../app/enforcement/disableEnforcement.ts';
import { enableEnforcement } from '../../app/enforcement/enableEnforcement.ts';
import { getEnforcement } from '../../app/enforcement/getEnforcement.ts';
import { reinstate } from '../../app/enforcement/reinstate.ts';
import { resendRejoin } from '../../app/enforcement/resendRejoin.ts';
import { sendReminders } from '../../app/enforcement/sendReminders.ts';
import { actorOf } from '../actorOf.ts';
import type { App } from '../buildServer.ts';
import { EmptyObject, errors, Id, NoBody, NullableTimestamp, PersonRefSchema, Slug, Strict } from '../schemas.ts';
import { SlugParams } from './orgs.ts';

const tags = ['mfa enforcement'];
const Action = Type.Union([Type.Literal('refuse'), Type.Literal('block'), Type.Literal('remove')]);
const RequiredFactor = Type.Union([Type.Literal('any'), Type.Literal('phishing_resistant')]);
const stateProperties = {
  enabled: Type.Boolean(),
  noncompliant_action: Action,
  required_factor: RequiredFactor,
  grace_period_ends_at: NullableTimestamp,
  enabled_at: NullableTimestamp,
  enabled_by: Type.Union([Type.String(), Type.Null()]),
  compliance: Type.Object({ total: Type.Integer(), compliant: Type.Integer(), noncompliant: Type.Array(PersonRefSchema) }),
};
const StateSchema = Type.Object(stateProperties);
// A typed phrase, as Scaleway asks for: any string is a 422 from the use case, not a 400 here.
const Confirm = Type.String({ maxLength: 100 });

export function registerEnforcementRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/v1/orgs/:slug/mfa-enforcement',
    {
      schema: {
        tags,
        summary: 'Mandatory MFA: the policy and who complies (managers and above)',
        params: SlugParams,
        response: { 200: StateSchema, ...errors(401, 403, 404) },
      },
    },
    async (request) => getEnforcement(deps, actorOf(request), request.params.slug),
  );

  app.put(
    '/v1/orgs/:slug/mfa-enforcement',
    {
      schema: {
        tags,
        summary: 'Require MFA, or change how non-compliance is handled (admins and owners)',
        params: SlugParams,
        body: Strict({
          confirm: Confirm,
          noncompliant_action: Type.Optional(Action),
          grace_period_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
          required_factor: Type.Optional(RequiredFactor),
        }),
        response: { 200: Type.Object({ ...stateProperties, pending: Type.Array(PersonRefSchema) }), ...errors(401, 402, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      enableEnforcement(deps, actorOf(request), request.params.slug, request.body, {
        // A large organization takes seconds: the operator's log shows it advancing (not yet committed).
        onProgress: (progress) => request.log.info({ org: request.params.slug, ...progress }, 'enforcement: moving members to pending'),
      }),
  );

  app.delete(
    '/v1/orgs/:slug/mfa-enforcement',
    {
      schema: {
        tags,
        summary: 'Stop requiring MFA; every owner is told (admins and owners)',
        params: SlugParams,
        body: Strict({ confirm: Confirm }),
        response: { 200: StateSchema, ...errors(401, 403, 404, 422) },
      },
    },
    async (request) => disableEnforcement(deps, actorOf(request), request.params.slug, request.body),
  );

  app.post(
    '/v1/orgs/:slug/mfa-reminders',
    {
      schema: {
        tags,
        summary: 'Remind members without MFA by email, at most once an hour each (managers and above)',
        params: SlugParams,
        body: Strict({ user_ids: Type.Optional(Type.Array(Id, { maxItems: 1000, uniqueItems: true })) }),
        response: {
          200: Type.Object({
            sent: Type.Array(Type.String()),
            skipped: Type.Array(Type.Object({ user_id: Type.String(), reason: Type.String() })),
          }),
          ...errors(401, 403, 404),
        },
      },
    },
    async (request) => sendReminders(deps, actorOf(request), request.params.slug, request.body),
  );

  app.post(
    '/v1/orgs/:slug/reinstate',
    {
      schema: {
        tags,
        summary: 'Rejoin an organization after enabling MFA (called by the pending member)',
        params: SlugParams,
        body: NoBody,
        response: { 200: Type.Object({ role: Type.String() }), ...errors(401, 403, 404, 409, 410) },
      },
    },
    async (request) => reinstate(deps, actorOf(request), request.params.slug),
  );

  app.post(
    '/v1/orgs/:slug/members/:user_id/resend-invite',
    {
      schema: {
        tags,
        summary: 'Send the rejoin email again to a pending member (managers and above)',
        params: Strict({ slug: Slug, user_id: Id }),
        body: NoBody,
        response: { 200: EmptyObject, ...errors(401, 403, 404, 409, 429) },
      },
    },
    async (request) => resendRejoin(deps, actorOf(request), request.params.slug, request.params.user_id),
  );
}
