import { useEffect, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { useAction } from '../hooks.ts';
import { navigate, safeNext, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { unwrapOptions } from '../webauthn.ts';

type Method = 'totp' | 'recovery_code' | 'webauthn';

const METHODS: [Method, string][] = [
  ['totp', 'Authenticator app'],
  ['webauthn', 'Passkey'],
  ['recovery_code', 'Recovery code'],
];

export function MfaStep(): ReactNode {
  const { state, refresh, signOut } = useSession();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const [method, setMethod] = useState<Method>('totp');
  const [code, setCode] = useState('');

  useEffect(() => {
    if (state.status === 'signed_in') navigate(next, { replace: true });
    if (state.status === 'signed_out') navigate('/signin', { replace: true });
  }, [state.status, next]);

  const verify = useAction(async (body: { type: Method; code?: string; response?: unknown }) => {
    // The response carries a rotated token; the server also rotates the cookie, which is all we use.
    await api.post('/v1/sessions/current/mfa', body);
    await refresh();
    navigate(next);
  });

  const submitCode = (e: FormEvent): void => {
    e.preventDefault();
    void verify.run({ type: method, code: code.replace(/\s+/g, '') });
  };

  const passkey = useAction(async () => {
    const options = unwrapOptions<PublicKeyCredentialRequestOptionsJSON>(
      await api.post<unknown>('/v1/sessions/current/mfa/webauthn/options'),
    );
    const response = await startAuthentication({ optionsJSON: options });
    await api.post('/v1/sessions/current/mfa', { type: 'webauthn', response });
    await refresh();
    navigate(next);
  });

  return (
    <Page title="Two-factor authentication">
      <p>
        {state.status === 'mfa_pending' ? `Signed in as ${state.current.user.email}. ` : ''}
        Confirm it's you with your second factor.
      </p>
      <fieldset className="choices">
        <legend>Verify with</legend>
        {METHODS.map(([value, label]) => (
          <label key={value} className="choice">
            <input
              type="radio"
              name="mfa-method"
              value={value}
              checked={method === value}
              onChange={() => {
                setMethod(value);
                setCode('');
                verify.clearError();
                passkey.clearError();
              }}
            />
            {label}
          </label>
        ))}
      </fieldset>

      {method === 'webauthn' ? (
        <div className="narrow">
          <p>Use the passkey saved on this device or your security key.</p>
          <ErrorMessage
            error={passkey.error}
            overrides={{ not_found: 'Your account has no passkey. Use your authenticator app or a recovery code instead.' }}
          />
          <button type="button" onClick={() => void passkey.run()} disabled={passkey.busy}>
            {passkey.busy ? 'Waiting for your passkey…' : 'Use a passkey'}
          </button>
        </div>
      ) : (
        <form onSubmit={submitCode} className="narrow" noValidate>
          {method === 'totp' ? (
            <Field
              label="Authentication code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={8}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              hint="The 6-digit code from your authenticator app."
            />
          ) : (
            <Field
              label="Recovery code"
              autoComplete="off"
              spellCheck={false}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              hint="One of the codes you saved when you set up two-factor authentication. Each works once."
            />
          )}
          <ErrorMessage error={verify.error} />
          <button type="submit" disabled={verify.busy || code.trim() === ''}>
            {verify.busy ? 'Verifying…' : 'Verify'}
          </button>
        </form>
      )}
      <p>
        <button type="button" className="link" onClick={() => void signOut().then(() => navigate('/signin'))}>
          Cancel and sign out
        </button>
      </p>
    </Page>
  );
}
