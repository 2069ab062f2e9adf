import type { OrgRow } from '../../db/queries/orgs.ts';

export type EnforcementSettings = Pick<
  OrgRow,
  'mfa_required' | 'noncompliant_action' | 'required_factor' | 'grace_period_ends_at' | 'mfa_enabled_at' | 'mfa_enabled_by'
>;

type Value = string | boolean | null;

/**
 * The `data.changes` of an `org.edit` audit event: `[old, new]` for each policy field that
 * changed, and nothing else (Sentry's audit log shows `require_2fa` the same way). Who switched it
 * on and when is the event's own actor and time, so those columns are not repeated here.
 */
export function enforcementChanges(before: EnforcementSettings, after: EnforcementSettings): Record<string, [Value, Value]> {
  const changes: Record<string, [Value, Value]> = {};
  const pairs: [string, Value, Value][] = [
    ['mfa_required', before.mfa_required, after.mfa_required],
    ['noncompliant_action', before.noncompliant_action, after.noncompliant_action],
    ['required_factor', before.required_factor, after.required_factor],
    ['grace_period_ends_at', before.grace_period_ends_at?.toISOString() ?? null, after.grace_period_ends_at?.toISOString() ?? null],
  ];
  for (const [field, old, next] of pairs) if (old !== next) changes[field] = [old, next];
  return changes;
}
