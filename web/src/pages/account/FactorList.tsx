import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, ApiError, seg } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { orgsOf } from '../../errors.ts';
import { factorTypeName, formatDate } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import type { Factor } from '../../types.ts';

interface Props {
  factors: readonly Factor[];
  onChanged: () => void;
}

export function FactorList({ factors, onChanged }: Props): ReactNode {
  const [target, setTarget] = useState<Factor | null>(null);
  const [conflict, setConflict] = useState<ApiError | null>(null);

  const close = (): void => {
    setTarget(null);
    setConflict(null);
    remove.clearError();
  };

  const remove = useAction(async (factor: Factor, acknowledge: boolean) => {
    try {
      await api.del(`/v1/me/mfa/factors/${seg(factor.id)}`, acknowledge ? { acknowledge_leaving_organizations: true } : undefined);
    } catch (err) {
      // Losing organizations is shown before anything happens; the user then decides.
      if (err instanceof ApiError && (err.code === 'would_leave_organizations' || err.code === 'mfa_required_by_organization')) {
        setConflict(err);
        return;
      }
      throw err;
    }
    close();
    onChanged();
  });

  if (factors.length === 0) return <p>You have no second factors yet.</p>;

  return (
    <>
      <table>
        <caption>Your second factors</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Added</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {factors.map((f) => (
            <tr key={f.id}>
              <td>{f.name || factorTypeName(f.type)}</td>
              <td>
                {factorTypeName(f.type)}
                {f.phishing_resistant ? <span className="muted block">Phishing-resistant</span> : null}
              </td>
              <td>{formatDate(f.created_at)}</td>
              <td>{f.last_used_at ? formatDate(f.last_used_at) : 'Never'}</td>
              <td>
                <button type="button" className="danger" onClick={() => setTarget(f)} aria-label={`Remove ${f.name || factorTypeName(f.type)}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {target && (
        <Dialog title="Remove this factor?" onClose={close}>
          <p>
            You will no longer be able to use <strong>{target.name || factorTypeName(target.type)}</strong> to sign in.
          </p>
          {conflict?.code === 'would_leave_organizations' && (
            <div className="warning" role="alert">
              <p>
                It is your last second factor. These organizations require two-factor authentication, so you will
                lose access to them (you can rejoin after enabling it again):
              </p>
              <ul aria-label="Organizations you would leave">
                {orgsOf(conflict).map((o) => (
                  <li key={o.slug}>
                    {o.name} ({o.slug})
                  </li>
                ))}
              </ul>
            </div>
          )}
          {conflict?.code === 'mfa_required_by_organization' && <ErrorMessage error={conflict} />}
          <ErrorMessage error={remove.error} />
          <div className="actions">
            {conflict?.code !== 'mfa_required_by_organization' && (
              <button type="button" className="danger" disabled={remove.busy} onClick={() => void remove.run(target, conflict !== null)}>
                {conflict ? 'Remove and leave these organizations' : 'Remove factor'}
              </button>
            )}
            <button type="button" className="secondary" onClick={close}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
