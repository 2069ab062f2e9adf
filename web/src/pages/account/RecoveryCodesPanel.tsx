import { useState } from 'react';
import type { ReactNode } from 'react';
import { api } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useAction } from '../../hooks.ts';

interface Props {
  remaining: number | undefined;
  onNewCodes: (codes: string[]) => void;
}

export function RecoveryCodesPanel({ remaining, onNewCodes }: Props): ReactNode {
  const [open, setOpen] = useState(false);
  const regenerate = useAction(async () => {
    const res = await api.post<{ recovery_codes: string[] }>('/v1/me/mfa/recovery-codes');
    setOpen(false);
    onNewCodes(res.recovery_codes);
  });

  return (
    <section className="card" aria-labelledby="recovery-title">
      <h3 id="recovery-title">Recovery codes</h3>
      <p>
        {remaining === undefined
          ? 'Recovery codes let you sign in if you lose your second factor.'
          : `You have ${remaining} unused recovery code${remaining === 1 ? '' : 's'}.`}
        {remaining !== undefined && remaining <= 2 ? ' Generate new ones soon.' : ''}
      </p>
      <button type="button" onClick={() => setOpen(true)}>
        Generate new recovery codes
      </button>
      {open && (
        <Dialog title="Generate new recovery codes?" onClose={() => setOpen(false)}>
          <p>Your current recovery codes will stop working. The new ones are shown once.</p>
          <ErrorMessage error={regenerate.error} />
          <div className="actions">
            <button type="button" disabled={regenerate.busy} onClick={() => void regenerate.run()}>
              Generate new codes
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
