import { Type, type TProperties, type TSchema } from 'typebox';

/** Request objects reject unknown fields (contract: "unknown fields are rejected"). */
export function Strict<T extends TProperties>(properties: T, options: { description?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** Body of an endpoint that takes none: absent, or `{}`. */
export const NoBody = Strict({}, { description: 'No body, or an empty object' });

/** Handlers return Date objects; the response serializer writes them as ISO 8601 UTC strings. */
export const Timestamp = Type.Unsafe<Date>(Type.String({ format: 'date-time' }));
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,38}$' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('manager'), Type.Literal('member')]);
export const Id = Type.String({ minLength: 1, maxLength: 100 });

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'A stable code: one of #/components/schemas/ErrorCode' }),
    detail: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), in: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem document' },
);

/** Documents the error statuses a route may answer (every error body is a problem document). */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [...statuses, 400]) out[status] = ProblemSchema;
  return out;
}

/** What a session may do beyond its MFA step (src/core/accountRestriction.ts): null, or the code it gets elsewhere. */
export const RestrictionSchema = Type.Union(
  [
    Type.Null(),
    Type.Object({
      code: Type.Union([Type.Literal('password_change_required'), Type.Literal('mfa_enrollment_required'), Type.Literal('mfa_step_up_required')]),
      reason: Type.Optional(Type.Union([Type.Literal('operator'), Type.Literal('blocklist')], { description: 'Why the password must be changed' })),
    }),
  ],
  {
    description:
      'null: no restriction. password_change_required: only PUT /v1/me/password and signing out work until the password is changed. ' +
      'mfa_enrollment_required / mfa_step_up_required: the instance requires MFA of every account (GATEHOUSE_REQUIRE_MFA); only enrolling a factor and signing out work.',
  },
);

export const PublicUserSchema = Type.Object({ id: Type.String(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]) });
export const OrgRefSchema = Type.Object({ slug: Type.String(), name: Type.String() });
export const PersonRefSchema = Type.Object({ user_id: Type.String(), email: Type.String(), role: Type.String() });
export const EmptyObject = Type.Object({});
/** 204 responses: no body. */
export const NoContent = Type.Unsafe<null>({ type: 'null', description: 'No content' });
