import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, ApiError, seg } from '../../api.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { errorForField } from '../../errors.ts';
import { formatDate, roleName } from '../../format.ts';
import { useAction, useLoad } from '../../hooks.ts';
import { ROLES } from '../../types.ts';
import type { Invitation, Role } from '../../types.ts';

/**
 * The contract has no "list invitations" endpoint; if the server offers
 * GET /v1/orgs/{slug}/invitations we show it, otherwise the invitations sent from this page.
 */
async function loadInvitations(slug: string): Promise<{ listed: boolean; items: Invitation[] }> {
  try {
    const body = await api.get<{ invitations?: Invitation[] }>(`/v1/orgs/${seg(slug)}/invitations`);
    return { listed: true, items: body.invitations ?? [] };
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return { listed: false, items: [] };
    throw err;
  }
}

export function Invitations({ slug }: { slug: string }): ReactNode {
  const base = `/v1/orgs/${seg(slug)}/invitations`;
  const listed = useLoad(() => loadInvitations(slug), `invitations:${slug}`);
  const [sentHere, setSentHere] = useState<Invitation[]>([]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [status, setStatus] = useState('');

  const invite = useAction(async () => {
    const res = await api.post<{ invitation: Invitation }>(base, { email: email.trim(), role });
    setSentHere((list) => [res.invitation, ...list]);
    setStatus(`Invitation sent to ${res.invitation.email}.`);
    setEmail('');
    await listed.reload();
  });
  const resend = useAction(async (inv: Invitation) => {
    await api.post(`${base}/${seg(inv.id)}/resend`);
    setStatus(`Invitation sent to ${inv.email} again.`);
  });
  const revoke = useAction(async (inv: Invitation) => {
    await api.del(`${base}/${seg(inv.id)}`);
    setSentHere((list) => list.filter((i) => i.id !== inv.id));
    setStatus(`Invitation for ${inv.email} revoked.`);
    await listed.reload();
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setStatus('');
    void invite.run();
  };

  const items = listed.data?.listed ? listed.data.items : sentHere;

  return (
    <section aria-labelledby="invite-title">
      <h2 id="invite-title">Invitations</h2>
      <form onSubmit={submit} className="inline-form" noValidate>
        <Field
          label="Email address to invite"
          type="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errorForField(invite.error, 'email')}
        />
        <div className="field">
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.filter((r) => r !== 'owner').map((r) => (
              <option key={r} value={r}>
                {roleName(r)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={invite.busy || !email.trim()}>
          Send invitation
        </button>
      </form>
      <ErrorMessage error={invite.error} shownFields={['email']} />
      <ErrorMessage error={listed.error ?? resend.error ?? revoke.error} />
      <p role="status" className="status">
        {status}
      </p>
      {items.length > 0 && (
        <table>
          <caption>{listed.data?.listed ? 'Open invitations' : 'Invitations sent from this page'}</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((inv) => (
              <tr key={inv.id}>
                <td>{inv.email}</td>
                <td>{roleName(inv.role)}</td>
                <td>{formatDate(inv.expires_at)}</td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="secondary" disabled={resend.busy} onClick={() => void resend.run(inv)} aria-label={`Resend invitation to ${inv.email}`}>
                      Resend
                    </button>
                    <button type="button" className="danger" disabled={revoke.busy} onClick={() => void revoke.run(inv)} aria-label={`Revoke invitation to ${inv.email}`}>
                      Revoke
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
