import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { TypedConfirm } from '../../components/TypedConfirm.tsx';
import { useAction } from '../../hooks.ts';
import type { Enforcement } from '../../types.ts';

interface Props {
  slug: string;
  onClose: () => void;
  onDone: (next: Enforcement) => void;
}

export function StopDialog({ slug, onClose, onDone }: Props): ReactNode {
  const [typed, setTyped] = useState('');
  const stop = useAction(async () => {
    onDone(await api.del<Enforcement>(`/v1/orgs/${seg(slug)}/mfa-enforcement`, { confirm: typed }));
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (typed === 'STOP') void stop.run();
  };
  return (
    <Dialog title="Stop enforcing MFA" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <p>
          Members will no longer be required to use two-factor authentication. Blocked members regain access at once;
          members moved to pending stay pending until they rejoin. Every owner gets an email about this change.
        </p>
        <TypedConfirm word="STOP" value={typed} onChange={setTyped} />
        <ErrorMessage error={stop.error} />
        <div className="actions">
          <button type="submit" className="danger" disabled={typed !== 'STOP' || stop.busy}>
            Stop enforcing MFA
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
