import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { QrCode } from '../../components/QrCode.tsx';
import { useAction } from '../../hooks.ts';

interface Enrollment {
  factor_id: string;
  secret: string;
  otpauth_uri: string;
}

interface Props {
  onEnabled: (recoveryCodes: string[] | undefined) => Promise<void>;
}

export function TotpSetup({ onEnabled }: Props): ReactNode {
  const [name, setName] = useState('');
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState('');

  const start = useAction(async () => {
    setDone('');
    const body = name.trim() ? { name: name.trim() } : {};
    setEnrollment(await api.post<Enrollment>('/v1/me/mfa/totp', body));
    setCode('');
  });

  const confirm = useAction(async (e: Enrollment) => {
    // The answer includes a rotated session token: the server sets it as the cookie; we drop it.
    const res = await api.post<{ recovery_codes?: string[] }>(`/v1/me/mfa/totp/${seg(e.factor_id)}/confirm`, {
      code: code.replace(/\s+/g, ''),
    });
    setEnrollment(null);
    setName('');
    setDone('Authenticator app added.');
    await onEnabled(res.recovery_codes);
  });

  const submitStart = (ev: FormEvent): void => {
    ev.preventDefault();
    void start.run();
  };
  const submitConfirm = (ev: FormEvent): void => {
    ev.preventDefault();
    if (enrollment) void confirm.run(enrollment);
  };

  return (
    <section className="card" aria-labelledby="totp-title">
      <h3 id="totp-title">Authenticator app</h3>
      {!enrollment ? (
        <form onSubmit={submitStart}>
          <p>Use an app such as 1Password, Google Authenticator or Aegis to get a new code every 30 seconds.</p>
          <Field label="Authenticator name" value={name} onChange={(e) => setName(e.target.value)} hint="Optional, e.g. “Phone”." />
          <ErrorMessage error={start.error} />
          <button type="submit" disabled={start.busy}>
            Set up authenticator app
          </button>
          <p role="status" className="status">
            {done}
          </p>
        </form>
      ) : (
        <form onSubmit={submitConfirm}>
          <ol className="steps">
            <li>
              Scan this QR code with your authenticator app:
              <QrCode value={enrollment.otpauth_uri} label="QR code to add Gatehouse to your authenticator app" />
            </li>
            <li>
              Or enter this key by hand: <span id="totp-secret-label">Secret key</span>{' '}
              <code className="secret" aria-labelledby="totp-secret-label" data-secret={enrollment.secret}>
                {enrollment.secret.match(/.{1,4}/g)?.join(' ')}
              </code>
            </li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          <Field
            label="Code from the app"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={8}
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <ErrorMessage error={confirm.error} />
          <div className="actions">
            <button type="submit" disabled={confirm.busy || code.trim() === ''}>
              Verify and enable
            </button>
            <button type="button" className="secondary" onClick={() => setEnrollment(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
