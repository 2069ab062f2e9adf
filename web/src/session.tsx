// Who is signed in, learned only from GET /v1/sessions/current (the cookie is HttpOnly).
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { api, ApiError } from './api.ts';
import type { CurrentSession } from './types.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed_out' }
  | { status: 'mfa_pending'; current: CurrentSession }
  | { status: 'signed_in'; current: CurrentSession }
  | { status: 'error'; error: ApiError };

export interface SessionContextValue {
  state: SessionState;
  /** Re-reads the session; resolves to the new state. */
  refresh: () => Promise<SessionState>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export async function loadSession(): Promise<SessionState> {
  try {
    const current = await api.get<CurrentSession>('/v1/sessions/current');
    return current.session.mfa_pending ? { status: 'mfa_pending', current } : { status: 'signed_in', current };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.code === 'unauthenticated')) return { status: 'signed_out' };
    if (err instanceof ApiError) return { status: 'error', error: err };
    throw err;
  }
}

export function SessionProvider({ children }: { children: ReactNode }): ReactNode {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const refresh = useCallback(async (): Promise<SessionState> => {
    const next = await loadSession();
    setState(next);
    return next;
  }, []);

  const signOut = useCallback(async (): Promise<void> => {
    try {
      await api.del('/v1/sessions/current');
    } catch (err) {
      // Already signed out is fine; anything else should still leave the console signed out.
      if (!(err instanceof ApiError)) throw err;
    }
    setState({ status: 'signed_out' });
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return <SessionContext.Provider value={{ state, refresh, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in user, for pages rendered behind <RequireSignIn>. */
export function useCurrentUser(): CurrentSession {
  const { state } = useSession();
  if (state.status !== 'signed_in') throw new Error('useCurrentUser while not signed in');
  return state.current;
}
