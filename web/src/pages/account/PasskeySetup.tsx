import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { browserSupportsWebAuthn, startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { api } from '../../api.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { useAction } from '../../hooks.ts';
import { unwrapOptions } from '../../webauthn.ts';

interface Props {
  onAdded: (recoveryCodes: string[] | undefined) => Promise<void>;
}

export function PasskeySetup({ onAdded }: Props): ReactNode {
  const [name, setName] = useState('');
  const [done, setDone] = useState('');
  const supported = browserSupportsWebAuthn();

  const add = useAction(async () => {
    setDone('');
    const options = unwrapOptions<PublicKeyCredentialCreationOptionsJSON>(await api.post<unknown>('/v1/me/mfa/webauthn/options'));
    const response = await startRegistration({ optionsJSON: options });
    const res = await api.post<{ recovery_codes?: string[] } | undefined>('/v1/me/mfa/webauthn', {
      response,
      ...(name.trim() ? { name: name.trim() } : {}),
    });
    setName('');
    setDone('Passkey added.');
    await onAdded(res?.recovery_codes);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void add.run();
  };

  return (
    <section className="card" aria-labelledby="passkey-title">
      <h3 id="passkey-title">Passkeys</h3>
      <form onSubmit={submit}>
        <p>A passkey uses your device's screen lock or a security key. It can't be phished.</p>
        {!supported && <p className="warn-text">This browser can't create passkeys.</p>}
        <Field label="Passkey name" value={name} onChange={(e) => setName(e.target.value)} hint="Optional, e.g. “Laptop”." />
        <ErrorMessage error={add.error} />
        <button type="submit" disabled={add.busy || !supported}>
          {add.busy ? 'Waiting for your device…' : 'Add a passkey'}
        </button>
        <p role="status" className="status">
          {done}
        </p>
      </form>
    </section>
  );
}
