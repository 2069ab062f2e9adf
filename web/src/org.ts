import { api } from './api.ts';
import { useLoad } from './hooks.ts';
import type { Loaded } from './hooks.ts';
import type { Member, OrgSummary, Role } from './types.ts';

const RANK: Record<Role, number> = { owner: 4, admin: 3, manager: 2, member: 1 };

/** True when `role` is `least` or more powerful (owner > admin > manager > member). */
export function atLeast(role: Role | undefined, least: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[least];
}

/** The caller's own entry for one organization (name, role, state), from GET /v1/orgs. */
export function useMyOrg(slug: string): Loaded<OrgSummary | null> {
  return useLoad(async () => {
    const { orgs } = await api.get<{ orgs: OrgSummary[] }>('/v1/orgs');
    return orgs.find((o) => o.slug === slug) ?? null;
  }, `my-org:${slug}`);
}

/**
 * user_id → email for the organization's members (active and pending), so events and settings
 * that only carry ids can name people. Unknown ids (e.g. removed members) stay as ids.
 */
export function useMemberDirectory(slug: string): ReadonlyMap<string, string> {
  const members = useLoad(async () => {
    const { members: list } = await api.get<{ members: Member[] }>(`/v1/orgs/${encodeURIComponent(slug)}/members`);
    return new Map(list.map((m) => [m.user_id, m.email]));
  }, `directory:${slug}`);
  return members.data ?? EMPTY;
}

const EMPTY: ReadonlyMap<string, string> = new Map();
