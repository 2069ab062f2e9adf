import { useEffect } from 'react';
import type { ReactNode } from 'react';
import { navigate, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

/** Renders its children only for a fully signed-in session; otherwise sends the user to sign in. */
export function RequireSignIn({ children }: { children: () => ReactNode }): ReactNode {
  const { state } = useSession();
  const location = useLocation();

  useEffect(() => {
    if (state.status === 'signed_out') navigate(withNext('/signin', location.href), { replace: true });
    if (state.status === 'mfa_pending') navigate(withNext('/signin/mfa', location.href), { replace: true });
  }, [state.status, location.href]);

  if (state.status === 'error') return <ErrorMessage error={state.error} />;
  if (state.status !== 'signed_in') return <p className="loading">Loading…</p>;
  return children();
}
