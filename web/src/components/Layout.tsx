import type { ReactNode } from 'react';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

export function Layout({ children }: { children: ReactNode }): ReactNode {
  const { state, signOut } = useSession();
  const { pathname } = useLocation();
  const signedIn = state.status === 'signed_in';
  const current = (path: string): 'page' | undefined =>
    pathname === path || (path === '/orgs' && (pathname === '/' || pathname.startsWith('/orgs/'))) ? 'page' : undefined;

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Gatehouse
        </Link>
        {signedIn && !state.current.session.restriction && (
          <nav aria-label="Main">
            <Link to="/orgs" aria-current={current('/orgs')}>
              Organizations
            </Link>
            <Link to="/account/security" aria-current={current('/account/security')}>
              Account security
            </Link>
          </nav>
        )}
        {signedIn && (
          <div className="who">
            <span>{state.current.user.email}</span>
            <button
              type="button"
              className="secondary"
              onClick={() => void signOut().then(() => navigate('/signin'))}
            >
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
