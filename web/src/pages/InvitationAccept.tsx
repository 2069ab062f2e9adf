import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Page } from '../components/Page.tsx';
import { roleName } from '../format.ts';
import { useAction } from '../hooks.ts';
import { Link, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';
import type { Org, Role } from '../types.ts';

/** Reached from the invitation email: sign in or sign up first, then accept. */
export function InvitationAccept({ token }: { token: string }): ReactNode {
  const { state } = useSession();
  const location = useLocation();
  const [joined, setJoined] = useState<{ org: Org; role: Role } | null>(null);

  const accept = useAction(async () => {
    setJoined(await api.post<{ org: Org; role: Role }>(`/v1/invitations/${seg(token)}/accept`));
  });

  if (state.status === 'loading') return <p className="loading">Loading…</p>;

  if (state.status !== 'signed_in') {
    return (
      <Page title="You're invited">
        <p>You have been invited to join an organization on Gatehouse. Sign in, or create an account with the email address the invitation was sent to, and then accept it.</p>
        <div className="actions">
          <Link className="button" to={withNext(state.status === 'mfa_pending' ? '/signin/mfa' : '/signin', location.href)}>
            Sign in to accept
          </Link>
          <Link className="button secondary" to={withNext('/signup', location.href)}>
            Create an account
          </Link>
        </div>
      </Page>
    );
  }

  if (joined) {
    return (
      <Page title={`Welcome to ${joined.org.name}`}>
        <p role="status">
          You joined <strong>{joined.org.name}</strong> as {roleName(joined.role)}.
        </p>
        <Link to={`/orgs/${seg(joined.org.slug)}/members`}>Go to {joined.org.name}</Link>
      </Page>
    );
  }

  const needsMfa = accept.error?.code === 'mfa_enrollment_required';
  return (
    <Page title="You're invited">
      <p>
        Signed in as <strong>{state.current.user.email}</strong>. Accept the invitation to join the organization.
      </p>
      {needsMfa ? (
        <div className="warning" role="alert">
          <p>
            This organization requires two-factor authentication. Enable it in Account security, then come back here to
            accept — your invitation stays valid.
          </p>
          <Link className="button" to={withNext('/account/security', location.href)}>
            Set up two-factor authentication
          </Link>
        </div>
      ) : (
        <ErrorMessage
          error={accept.error}
          overrides={{ forbidden: `This invitation was sent to a different email address than ${state.current.user.email}. Sign in with the invited address.` }}
        />
      )}
      <button type="button" onClick={() => void accept.run()} disabled={accept.busy}>
        Accept invitation
      </button>
    </Page>
  );
}
