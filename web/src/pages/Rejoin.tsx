import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Page } from '../components/Page.tsx';
import { formatDay, roleName } from '../format.ts';
import { useAction, useLoad } from '../hooks.ts';
import { useMyOrg } from '../org.ts';
import { Link, withNext } from '../router.tsx';
import type { AccessDecision, MfaStatus, Role } from '../types.ts';

/** For a member moved to pending: enable two-factor authentication, then rejoin with the old role. */
export function Rejoin({ slug }: { slug: string }): ReactNode {
  const access = useLoad(() => api.get<AccessDecision>(`/v1/orgs/${seg(slug)}/access`, { query: { channel: 'console' } }), `access:${slug}`);
  const mfa = useLoad(() => api.get<MfaStatus>('/v1/me/mfa'), 'mfa');
  // GET /v1/orgs lists pending memberships too, so the page can use the organization's name.
  const mine = useMyOrg(slug);
  const [restored, setRestored] = useState<Role | null>(null);
  const here = `/orgs/${seg(slug)}/rejoin`;

  const reinstate = useAction(async () => {
    const res = await api.post<{ role: Role }>(`/v1/orgs/${seg(slug)}/reinstate`);
    setRestored(res.role);
  });

  if (access.loading || mine.loading) return <p className="loading">Loading…</p>;
  const name = mine.data?.name ?? slug;

  if (restored) {
    return (
      <Page title="Welcome back">
        <p role="status">
          Your membership of <strong>{name}</strong> is restored, with your previous role: {roleName(restored)}.
        </p>
        <Link to="/orgs">Go to your organizations</Link>
      </Page>
    );
  }

  const decision = access.data;
  const pending = decision?.code === 'membership_pending';
  const mfaOn = mfa.data?.enabled ?? false;

  return (
    <Page title={`Rejoin ${name}`}>
      <ErrorMessage error={access.error} overrides={{ not_found: `You are not a member of ${slug}, or it no longer exists.` }} />
      {decision && !pending && (
        <div className="callout" role="status">
          <p>Your membership of {name} is active: there is nothing to rejoin.</p>
          <Link to={`/orgs/${seg(slug)}/members`}>Go to {name}</Link>
        </div>
      )}
      {pending && (
        <>
          <p>
            You were removed from <strong>{name}</strong> because it requires two-factor authentication.
            {decision.reinstate_until
              ? ` You can rejoin with your previous role until ${formatDay(decision.reinstate_until)}.`
              : ' You can rejoin with your previous role within 90 days of your removal.'}
          </p>
          <ol className="steps big">
            <li aria-current={!mfaOn ? 'step' : undefined}>
              <strong>Enable two-factor authentication.</strong>{' '}
              {mfaOn ? (
                <span className="badge ok">Done: two-factor authentication is on</span>
              ) : (
                <Link className="button" to={withNext('/account/security', here)}>
                  Set up two-factor authentication
                </Link>
              )}
            </li>
            <li aria-current={mfaOn ? 'step' : undefined}>
              <strong>Rejoin the organization.</strong>{' '}
              <button type="button" onClick={() => void reinstate.run()} disabled={!mfaOn || reinstate.busy}>
                Rejoin {name}
              </button>
              {!mfaOn && <span className="hint block">Available once two-factor authentication is on.</span>}
            </li>
          </ol>
          <ErrorMessage error={mfa.error ?? reinstate.error} />
        </>
      )}
    </Page>
  );
}
