import { useEffect } from 'react';
import type { ReactNode } from 'react';
import type { ApiError } from '../api.ts';
import { fieldErrors, membersOf, messageFor, orgsOf } from '../errors.ts';
import { Link, navigate, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';

interface Props {
  error: ApiError | undefined;
  /** Plain words for codes whose meaning depends on the page. */
  overrides?: Record<string, string>;
  /** Fields whose errors are already shown beside their inputs. */
  shownFields?: readonly string[];
}

/** Shows a problem next to what caused it, in plain words, with the way forward when there is one. */
export function ErrorMessage({ error, overrides, shownFields = [] }: Props): ReactNode {
  const { refresh, signOut } = useSession();
  const location = useLocation();
  const code = error?.code;

  useEffect(() => {
    // The session ended or needs its MFA step: let the route guard take the user there.
    if (code === 'unauthenticated' || code === 'mfa_verification_required') void refresh();
  }, [code, refresh]);

  if (!error) return null;
  const orgs = orgsOf(error);
  const members = membersOf(error);
  const pendingSlug = /^\/orgs\/([^/]+)/.exec(location.pathname)?.[1];
  const fields = fieldErrors(error).filter((f) => !shownFields.includes(f.field));

  const signInAgain = async (): Promise<void> => {
    await signOut();
    navigate(withNext('/signin', location.href));
  };

  return (
    <div className="error" role="alert">
      <p>
        <strong>Error: </strong>
        {messageFor(error, overrides)}
      </p>
      {orgs.length > 0 && (
        <ul aria-label="Organizations affected">
          {orgs.map((o) => (
            <li key={o.slug}>
              {o.name} <span className="muted">({o.slug})</span>
            </li>
          ))}
        </ul>
      )}
      {members.length > 0 && (
        <ul aria-label="Members without two-factor authentication">
          {members.map((m) => (
            <li key={m.user_id}>
              {m.email}
              {m.role ? ` (${m.role})` : ''}
            </li>
          ))}
        </ul>
      )}
      {fields.length > 0 && (
        <ul aria-label="Fields to fix">
          {fields.map((f, i) => (
            <li key={`${f.field}-${i}`}>{f.field ? `${f.field}: ${f.message}` : f.message}</li>
          ))}
        </ul>
      )}
      {(code === 'reauthentication_required' || code === 'mfa_step_up_required') && (
        <button type="button" onClick={() => void signInAgain()}>
          Sign in again
        </button>
      )}
      {(code === 'mfa_enrollment_required' || code === 'actor_mfa_required') &&
        !location.pathname.startsWith('/account/security') && (
          <Link to={withNext('/account/security', location.href)}>Go to Account security</Link>
        )}
      {code === 'password_change_required' && !location.pathname.startsWith('/account/password') && (
        <Link to={withNext('/account/password', location.href)}>Change your password</Link>
      )}
      {code === 'membership_pending' && pendingSlug && (
        <Link to={`/orgs/${pendingSlug}/rejoin`}>Rejoin this organization</Link>
      )}
      {code === 'unauthenticated' && <Link to={withNext('/signin', location.href)}>Sign in</Link>}
    </div>
  );
}
