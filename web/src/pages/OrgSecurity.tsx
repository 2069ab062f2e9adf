import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { OrgNav } from '../components/OrgNav.tsx';
import { Page } from '../components/Page.tsx';
import { describeParty, formatDate } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { atLeast, useMemberDirectory, useMyOrg } from '../org.ts';
import { Link } from '../router.tsx';
import type { Enforcement, PersonRef } from '../types.ts';
import { ACTION_TEXT, FACTOR_TEXT } from './security/actions.ts';
import { EnforceDialog } from './security/EnforceDialog.tsx';
import { GraceCountdown } from './security/GraceCountdown.tsx';
import { NoncompliantList } from './security/NoncompliantList.tsx';
import { StopDialog } from './security/StopDialog.tsx';

export function OrgSecurity({ slug }: { slug: string }): ReactNode {
  const me = useMyOrg(slug);
  const directory = useMemberDirectory(slug);
  const enf = useLoad(() => api.get<Enforcement>(`/v1/orgs/${seg(slug)}/mfa-enforcement`), `enforcement:${slug}`);
  const [dialog, setDialog] = useState<'enforce' | 'stop' | null>(null);
  const [movedToPending, setMovedToPending] = useState<PersonRef[]>([]);
  const [status, setStatus] = useState('');
  const canAdmin = atLeast(me.data?.role, 'admin');
  const state = enf.data;

  const applied = (next: Enforcement, message: string): void => {
    setDialog(null);
    setMovedToPending(next.pending ?? []);
    setStatus(message);
    enf.setData(next);
    void enf.reload();
  };

  return (
    <Page title="Security" context={<OrgNav slug={slug} />}>
      <section aria-labelledby="enforce-title">
        <h2 id="enforce-title">Mandatory two-factor authentication</h2>
        <ErrorMessage error={enf.error} />
        {enf.loading && !state && <p className="loading">Loading…</p>}
        {state && (
          <>
            <p className={`badge ${state.enabled ? 'ok' : 'neutral'}`} id="enforcement-state">
              {state.enabled ? 'Enforced' : 'Not enforced'}
            </p>
            {state.enabled ? (
              <dl className="facts">
                <dt>Members without two-factor authentication</dt>
                <dd>{ACTION_TEXT[state.noncompliant_action ?? 'refuse']}</dd>
                <dt>Accepted second factors</dt>
                <dd>{FACTOR_TEXT[state.required_factor ?? 'any']}</dd>
                <dt>Enforced since</dt>
                <dd>
                  {formatDate(state.enabled_at)}
                  {state.enabled_by ? ` by ${describeParty(state.enabled_by, directory)}` : ''}
                </dd>
                {state.grace_period_ends_at && (
                  <>
                    <dt>Grace period</dt>
                    <dd>
                      <GraceCountdown until={state.grace_period_ends_at} action={state.noncompliant_action ?? 'block'} />
                    </dd>
                  </>
                )}
              </dl>
            ) : (
              <p>
                When enforced, everyone in this organization must use two-factor authentication to reach it, from the
                console, the API, SSH and Git. People you invite must enable it before they can join.
              </p>
            )}
            <p>
              <strong>
                {state.compliance.compliant} of {state.compliance.total}
              </strong>{' '}
              active members have two-factor authentication.
              {state.compliance.noncompliant.length > 0 && ` ${state.compliance.noncompliant.length} do not.`}
            </p>
            {canAdmin ? (
              <div className="actions">
                <button type="button" onClick={() => setDialog('enforce')}>
                  {state.enabled ? 'Change enforcement settings' : 'Enforce MFA'}
                </button>
                {state.enabled && (
                  <button type="button" className="danger" onClick={() => setDialog('stop')}>
                    Stop enforcing MFA
                  </button>
                )}
              </div>
            ) : (
              <p className="muted">Only admins and owners can change enforcement.</p>
            )}
            <p role="status" className="status">
              {status}
            </p>
            {movedToPending.length > 0 && (
              <div className="callout">
                <p>Moved to pending (emailed how to rejoin within 90 days):</p>
                <ul aria-label="Members moved to pending">
                  {movedToPending.map((m) => (
                    <li key={m.user_id}>{m.email}</li>
                  ))}
                </ul>
              </div>
            )}
            <p>
              <Link to={`/orgs/${seg(slug)}/members?filter=pending`}>See pending members</Link>
            </p>
          </>
        )}
      </section>
      {state && <NoncompliantList slug={slug} members={state.compliance.noncompliant} />}
      {dialog === 'enforce' && state && (
        <EnforceDialog
          slug={slug}
          current={state}
          onClose={() => setDialog(null)}
          onDone={(next) => applied(next, 'Two-factor authentication is now enforced.')}
        />
      )}
      {dialog === 'stop' && (
        <StopDialog
          slug={slug}
          onClose={() => setDialog(null)}
          onDone={(next) => applied(next, 'Two-factor authentication is no longer enforced. Owners were emailed.')}
        />
      )}
    </Page>
  );
}
