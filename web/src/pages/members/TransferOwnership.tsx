import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { roleName } from '../../format.ts';
import { useAction, useLoad } from '../../hooks.ts';
import type { Member } from '../../types.ts';

function Chooser({ slug, onClose, onDone }: { slug: string; onClose: () => void; onDone: () => void }): ReactNode {
  const candidates = useLoad(
    async () => (await api.get<{ members: Member[] }>(`/v1/orgs/${seg(slug)}/members`, { query: { state: 'active' } })).members.filter((m) => m.role !== 'owner'),
    `transfer:${slug}`,
  );
  const [userId, setUserId] = useState('');
  const chosen = candidates.data?.find((m) => m.user_id === userId);
  const transfer = useAction(async () => {
    await api.post(`/v1/orgs/${seg(slug)}/ownership-transfer`, { user_id: userId });
    onDone();
    onClose();
  });

  return (
    <Dialog title="Transfer ownership" onClose={onClose}>
      <div className="field">
        <label htmlFor="new-owner">New owner</label>
        <select id="new-owner" value={userId} onChange={(e) => setUserId(e.target.value)}>
          <option value="">Choose a member…</option>
          {(candidates.data ?? []).map((m) => (
            <option key={m.user_id} value={m.user_id}>
              {m.email} ({roleName(m.role)}, two-factor {m.mfa.enabled ? 'on' : 'off'})
            </option>
          ))}
        </select>
      </div>
      {chosen && !chosen.mfa.enabled && (
        <p className="warn-text">
          {chosen.email} has no two-factor authentication. If this organization requires it, the transfer will be refused.
        </p>
      )}
      <ErrorMessage error={candidates.error ?? transfer.error} />
      <div className="actions">
        <button type="button" className="danger" disabled={!userId || transfer.busy} onClick={() => void transfer.run()}>
          Transfer ownership
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

export function TransferOwnership({ slug, onDone }: { slug: string; onDone: () => void }): ReactNode {
  const [open, setOpen] = useState(false);
  return (
    <section aria-labelledby="transfer-title">
      <h2 id="transfer-title">Ownership</h2>
      <p>Make another member the owner of this organization.</p>
      <button type="button" className="secondary" onClick={() => setOpen(true)}>
        Transfer ownership…
      </button>
      {open && <Chooser slug={slug} onClose={() => setOpen(false)} onDone={onDone} />}
    </section>
  );
}
