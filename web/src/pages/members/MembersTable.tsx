import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import type { ApiError } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { factorTypeName, roleName } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import { ROLES } from '../../types.ts';
import type { Member, Role } from '../../types.ts';

interface Props {
  slug: string;
  members: readonly Member[];
  canManage: boolean;
  callerIsOwner: boolean;
  caption: string;
  onChanged: () => void;
}

function mfaText(m: Member): string {
  if (!m.mfa.enabled) return 'Off';
  const types = (m.mfa.factor_types ?? []).map(factorTypeName);
  return types.length ? `On (${types.join(', ')})` : 'On';
}

const ACCESS: Record<string, string> = { ok: 'Allowed', grace: 'Grace period', blocked: 'Blocked', none: 'None' };

export function MembersTable({ slug, members, canManage, callerIsOwner, caption, onChanged }: Props): ReactNode {
  const [rowError, setRowError] = useState<{ userId: string; error: ApiError } | null>(null);
  const [rowStatus, setRowStatus] = useState('');
  const [removing, setRemoving] = useState<Member | null>(null);
  // A role the server has accepted shows at once: without this the controlled <select> would snap
  // back to the old role until the reloaded list arrives, and the page would contradict its own
  // "is now Manager" message. A new list from the server replaces these.
  const [acceptedRoles, setAcceptedRoles] = useState<Readonly<Record<string, Role>>>({});
  useEffect(() => setAcceptedRoles({}), [members]);
  const base = `/v1/orgs/${seg(slug)}/members`;

  const act = useAction(async (m: Member, work: () => Promise<string>) => {
    setRowError(null);
    setRowStatus('');
    try {
      setRowStatus(await work());
      onChanged();
    } catch (err) {
      setRowError({ userId: m.user_id, error: err as ApiError });
    }
  });

  const changeRole = (m: Member, role: Role): void =>
    void act.run(m, async () => {
      await api.patch(`${base}/${seg(m.user_id)}`, { role });
      setAcceptedRoles((roles) => ({ ...roles, [m.user_id]: role }));
      return `${m.email} is now ${roleName(role)}.`;
    });
  const resend = (m: Member): void =>
    void act.run(m, async () => {
      await api.post(`${base}/${seg(m.user_id)}/resend-invite`);
      return `Sent the rejoin email to ${m.email} again.`;
    });
  const remove = (m: Member): void =>
    void act.run(m, async () => {
      await api.del(`${base}/${seg(m.user_id)}`);
      setRemoving(null);
      return `Removed ${m.email}.`;
    });

  if (members.length === 0) return <p>No members match this filter.</p>;

  return (
    <>
      <p role="status" className="status">
        {rowStatus}
      </p>
      <table className="members">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Two-factor</th>
            <th scope="col">Access</th>
            {canManage && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.user_id} data-user-id={m.user_id}>
              <th scope="row">
                <span className="person">{m.name || m.email}</span>
                {m.name && <span className="muted block">{m.email}</span>}
                {rowError?.userId === m.user_id && <ErrorMessage error={rowError.error} />}
              </th>
              <td>
                {canManage && m.state === 'active' && (m.role !== 'owner' || callerIsOwner) ? (
                  <select
                    aria-label={`Role for ${m.email}`}
                    value={acceptedRoles[m.user_id] ?? m.role}
                    disabled={act.busy}
                    onChange={(e) => changeRole(m, e.target.value as Role)}
                  >
                    {ROLES.filter((r) => r !== 'owner' || callerIsOwner).map((r) => (
                      <option key={r} value={r}>
                        {roleName(r)}
                      </option>
                    ))}
                  </select>
                ) : (
                  roleName(m.role)
                )}
              </td>
              <td>
                <span className={`badge ${m.state === 'active' ? 'ok' : 'warn'}`}>{m.state === 'active' ? 'Active' : 'Pending'}</span>
              </td>
              <td>
                <span className={`badge ${m.mfa.enabled ? 'ok' : 'bad'}`}>
                  <span aria-hidden="true">{m.mfa.enabled ? '✓ ' : '✗ '}</span>
                  {mfaText(m)}
                </span>
              </td>
              <td>{m.access ? (ACCESS[m.access] ?? m.access) : '—'}</td>
              {canManage && (
                <td>
                  <div className="row-actions">
                    {m.state === 'pending' && (
                      <button type="button" className="secondary" disabled={act.busy} onClick={() => resend(m)} aria-label={`Resend rejoin email to ${m.email}`}>
                        Resend invite
                      </button>
                    )}
                    <button type="button" className="danger" disabled={act.busy} onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                      Remove
                    </button>
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {removing && (
        <Dialog title="Remove member?" onClose={() => setRemoving(null)}>
          <p>
            <strong>{removing.email}</strong> will lose access to this organization. You can invite them again later.
          </p>
          {rowError?.userId === removing.user_id && <ErrorMessage error={rowError.error} />}
          <div className="actions">
            <button type="button" className="danger" disabled={act.busy} onClick={() => remove(removing)}>
              Remove member
            </button>
            <button type="button" className="secondary" onClick={() => setRemoving(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
