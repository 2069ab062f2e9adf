import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { navigate, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

/** Renders its children only for a fully signed-in session; otherwise sends the user to sign in. */
export function RequireSignIn({ children }: { children: () => ReactNode }): ReactNode {
  const { state } = useSession();
  const location = useLocation();

  const restriction = state.status === 'signed_in' ? (state.current.session.restriction?.code ?? null) : null;
  // A restricted session can do one thing (docs/security.md): take the user straight to it.
  const restrictedTo =
    restriction === 'password_change_required' ? '/account/password' : restriction === 'mfa_enrollment_required' ? '/account/security' : null;

  useEffect(() => {
    if (state.status === 'signed_out') navigate(withNext('/signin', location.href), { replace: true });
    if (state.status === 'mfa_pending') navigate(withNext('/signin/mfa', location.href), { replace: true });
    if (restrictedTo && location.pathname !== restrictedTo) navigate(withNext(restrictedTo, location.href), { replace: true });
  }, [state.status, location.href, location.pathname, restrictedTo]);

  if (state.status === 'error') return <ErrorMessage error={state.error} />;
  if (state.status !== 'signed_in' || (restrictedTo && location.pathname !== restrictedTo)) return <p className="loading">Loading…</p>;
  return children();
}
