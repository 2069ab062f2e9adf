import { useEffect, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useAction } from '../hooks.ts';
import { Link, navigate, safeNext, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';

export function SignIn(): ReactNode {
  const { state, refresh } = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const [email, setEmail] = useState(search.get('email') ?? '');
  const [password, setPassword] = useState('');

  useEffect(() => {
    if (state.status === 'signed_in') navigate(next, { replace: true });
  }, [state.status, next]);

  const signIn = useAction(async () => {
    // The token in the body is deliberately ignored: the session travels in the HttpOnly cookie.
    await api.post('/v1/sessions', { email, password });
    const after = await refresh();
    if (after.status === 'mfa_pending') navigate(withNext('/signin/mfa', next));
    else navigate(next);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void signIn.run();
  };

  return (
    <Page title="Sign in">
      <form onSubmit={submit} className="narrow" noValidate>
        <Field label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorMessage error={signIn.error} />
        <button type="submit" disabled={signIn.busy}>
          {signIn.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        New to Gatehouse? <Link to={withNext('/signup', next)}>Create an account</Link>
      </p>
    </Page>
  );
}
