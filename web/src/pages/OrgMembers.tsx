import type { ReactNode } from 'react';
import { api, seg } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { OrgNav } from '../components/OrgNav.tsx';
import { Page } from '../components/Page.tsx';
import { toCsv } from '../csv.ts';
import { downloadText } from '../download.ts';
import { useLoad } from '../hooks.ts';
import { atLeast, useMyOrg } from '../org.ts';
import { navigate, useLocation } from '../router.tsx';
import type { Member } from '../types.ts';
import { Invitations } from './members/Invitations.tsx';
import { MembersTable } from './members/MembersTable.tsx';
import { TransferOwnership } from './members/TransferOwnership.tsx';

const FILTERS = {
  all: { label: 'All', query: {} },
  mfa_on: { label: 'MFA on', query: { mfa: 'enabled' } },
  mfa_off: { label: 'MFA off', query: { mfa: 'disabled' } },
  pending: { label: 'Pending', query: { state: 'pending' } },
} as const;
type FilterKey = keyof typeof FILTERS;

function isFilter(value: string | null): value is FilterKey {
  return value !== null && value in FILTERS;
}

export function membersCsv(members: readonly Member[]): string {
  return toCsv(
    ['email', 'name', 'role', 'state', 'mfa', 'factor_types', 'access'],
    members.map((m) => [
      m.email,
      m.name ?? '',
      m.role,
      m.state,
      m.mfa.enabled ? 'enabled' : 'disabled',
      (m.mfa.factor_types ?? []).join(' '),
      m.access ?? '',
    ]),
  );
}

export function OrgMembers({ slug }: { slug: string }): ReactNode {
  const { search, pathname } = useLocation();
  const raw = search.get('filter');
  const filter: FilterKey = isFilter(raw) ? raw : 'all';
  const me = useMyOrg(slug);
  const members = useLoad(
    () => api.get<{ members: Member[] }>(`/v1/orgs/${seg(slug)}/members`, { query: FILTERS[filter].query }),
    `${slug}:${filter}`,
  );
  const role = me.data?.role;
  const canManage = atLeast(role, 'manager');
  const list = members.data?.members ?? [];

  const exportCsv = (): void => {
    downloadText(`${slug}-members${filter === 'all' ? '' : `-${filter}`}.csv`, membersCsv(list), 'text/csv');
  };

  return (
    <Page title="Members" context={<OrgNav slug={slug} />}>
      <div className="toolbar">
        <div role="group" aria-label="Filter members" className="segmented">
          {(Object.keys(FILTERS) as FilterKey[]).map((key) => (
            <button
              key={key}
              type="button"
              aria-pressed={filter === key}
              onClick={() => navigate(key === 'all' ? pathname : `${pathname}?filter=${key}`, { replace: true })}
            >
              {FILTERS[key].label}
            </button>
          ))}
        </div>
        <button type="button" className="secondary" onClick={exportCsv} disabled={list.length === 0}>
          Export CSV
        </button>
      </div>
      <ErrorMessage error={members.error} />
      {members.loading && !members.data && <p className="loading">Loading members…</p>}
      {members.data && (
        <MembersTable
          slug={slug}
          members={list}
          canManage={canManage}
          callerIsOwner={role === 'owner'}
          onChanged={() => void members.reload()}
          caption={`Members (${FILTERS[filter].label}): ${list.length}`}
        />
      )}
      {canManage && <Invitations slug={slug} />}
      {role === 'owner' && <TransferOwnership slug={slug} onDone={() => void members.reload()} />}
    </Page>
  );
}
