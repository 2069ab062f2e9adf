import { useEffect, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { errorForField } from '../errors.ts';
import { useAction } from '../hooks.ts';
import { Link, navigate, safeNext, useLocation, withNext } from '../router.tsx';
import { useSession } from '../session.tsx';

export function SignUp(): ReactNode {
  const { state, refresh } = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  useEffect(() => {
    if (state.status === 'signed_in') navigate(next, { replace: true });
  }, [state.status, next]);

  const signUp = useAction(async () => {
    await api.post('/v1/users', { email, password, ...(name.trim() ? { name: name.trim() } : {}) });
    // A new account has no second factor yet, so signing in completes at once.
    await api.post('/v1/sessions', { email, password });
    await refresh();
    navigate(next);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void signUp.run();
  };

  const emailError = errorForField(signUp.error, 'email', ['email_taken']);
  const passwordError = errorForField(signUp.error, 'password', ['weak_password']);
  const nameError = errorForField(signUp.error, 'name');
  const shownInline = emailError || passwordError || nameError;

  return (
    <Page title="Create your account">
      <form onSubmit={submit} className="narrow" noValidate>
        <Field label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={nameError} hint="Optional." />
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={emailError}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={passwordError}
          hint="At least 8 characters. Avoid common passwords."
        />
        {!shownInline && <ErrorMessage error={signUp.error} />}
        {shownInline && signUp.error?.code === 'invalid_request' && (
          <ErrorMessage error={signUp.error} shownFields={['email', 'password', 'name']} />
        )}
        <button type="submit" disabled={signUp.busy}>
          {signUp.busy ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to={withNext('/signin', next)}>Sign in</Link>
      </p>
    </Page>
  );
}
