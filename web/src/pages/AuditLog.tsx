import { useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../api.ts';
import type { ApiError } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { OrgNav } from '../components/OrgNav.tsx';
import { Page } from '../components/Page.tsx';
import { asApiError } from '../errors.ts';
import { describeParty, formatDate } from '../format.ts';
import { useMemberDirectory } from '../org.ts';
import { navigate, useLocation } from '../router.tsx';
import type { AuditEvent } from '../types.ts';

const ACTIONS = [
  'org.create',
  'org.edit',
  'org.ownership_transfer',
  'member.invite',
  'member.join',
  'member.pending',
  'member.reinstate',
  'member.remove',
  'member.role_change',
  'mfa.reminder',
  'mfa.enroll',
  'mfa.disable',
];

const PAGE_SIZE = 50;

/** `org.edit` carries `changes: { field: [old, new] }`; other data is shown as key: value. */
export function describeData(data: AuditEvent['data']): string {
  if (!data) return '';
  const parts: string[] = [];
  const changes = data['changes'];
  if (changes && typeof changes === 'object') {
    for (const [key, pair] of Object.entries(changes as Record<string, unknown>)) {
      if (Array.isArray(pair) && pair.length === 2) parts.push(`${key}: ${JSON.stringify(pair[0])} → ${JSON.stringify(pair[1])}`);
      else parts.push(`${key}: ${JSON.stringify(pair)}`);
    }
  }
  for (const [key, value] of Object.entries(data)) {
    if (key !== 'changes') parts.push(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return parts.join('; ');
}

interface AuditPage {
  events: AuditEvent[];
  next_cursor: string | null;
}

export function AuditLog({ slug }: { slug: string }): ReactNode {
  const { search, pathname } = useLocation();
  const directory = useMemberDirectory(slug);
  const action = search.get('action') ?? '';
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  // Answers to an older filter are dropped when they arrive late.
  const generation = useRef(0);

  const load = async (from: string | null, replace: boolean): Promise<void> => {
    const mine = replace ? ++generation.current : generation.current;
    setBusy(true);
    setError(undefined);
    try {
      const page = await api.get<AuditPage>(`/v1/orgs/${seg(slug)}/audit-log`, {
        query: { action: action || undefined, cursor: from ?? undefined, limit: PAGE_SIZE },
      });
      if (mine !== generation.current) return;
      setEvents((old) => (replace ? page.events : [...old, ...page.events]));
      setCursor(page.next_cursor ?? null);
    } catch (err) {
      if (mine === generation.current) setError(asApiError(err));
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    setEvents([]);
    void load(null, true);
    // Reload from the top whenever the organization or the filter changes.
  }, [slug, action]);

  return (
    <Page title="Audit log" context={<OrgNav slug={slug} />}>
      <div className="toolbar">
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <select
            id="audit-action"
            value={action}
            onChange={(e) => navigate(e.target.value ? `${pathname}?action=${encodeURIComponent(e.target.value)}` : pathname, { replace: true })}
          >
            <option value="">All actions</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={error} />
      {!busy && !error && events.length === 0 && <p>No events{action ? ` for ${action}` : ''}.</p>}
      {events.length > 0 && (
        <table className="audit">
          <caption className="sr-only">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>
                  <time dateTime={e.created_at}>{formatDate(e.created_at)}</time>
                </td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{describeParty(e.actor, directory)}</td>
                <td>{describeParty(e.target, directory)}</td>
                <td className="details">{describeData(e.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {busy && <p className="loading">Loading…</p>}
      {cursor && !busy && (
        <button type="button" className="secondary" onClick={() => void load(cursor, false)}>
          Load more
        </button>
      )}
    </Page>
  );
}
