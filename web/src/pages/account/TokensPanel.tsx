import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { copyText } from '../../download.ts';
import { errorForField } from '../../errors.ts';
import { formatDate } from '../../format.ts';
import { useAction, useLoad } from '../../hooks.ts';
import type { AccessToken } from '../../types.ts';

function listOf(body: unknown): AccessToken[] {
  if (Array.isArray(body)) return body as AccessToken[];
  const tokens = (body as { tokens?: unknown } | undefined)?.tokens;
  return Array.isArray(tokens) ? (tokens as AccessToken[]) : [];
}

export function TokensPanel(): ReactNode {
  const tokens = useLoad(async () => listOf(await api.get<unknown>('/v1/me/tokens')), 'tokens');
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [status, setStatus] = useState('');

  const create = useAction(async () => {
    const body = { name: name.trim(), ...(days.trim() ? { expires_in_days: Number(days) } : {}) };
    const res = await api.post<{ id: string; token: string }>('/v1/me/tokens', body);
    setCreated({ name: body.name, token: res.token });
    setName('');
    setDays('');
    await tokens.reload();
  });
  const revoke = useAction(async (t: AccessToken) => {
    await api.del(`/v1/me/tokens/${seg(t.id)}`);
    tokens.setData((tokens.data ?? []).filter((x) => x.id !== t.id));
    setStatus(`Revoked ${t.name ?? 'the token'}.`);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setStatus('');
    void create.run();
  };

  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Personal access tokens</h2>
      <p>Tokens let scripts and the command line act as you. Treat them like passwords.</p>
      {created && (
        <div className="callout" role="status">
          <p>
            Your new token <strong>{created.name}</strong>. Copy it now: it won't be shown again.
          </p>
          <p>
            <code className="secret" aria-label="New token">{created.token}</code>
          </p>
          <div className="actions">
            <button type="button" onClick={() => void copyText(created.token).then((ok) => setStatus(ok ? 'Token copied.' : 'Copying failed: select the token and copy it.'))}>
              Copy token
            </button>
            <button type="button" className="secondary" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <form onSubmit={submit} className="inline-form">
        <Field label="Token name" required value={name} onChange={(e) => setName(e.target.value)} error={errorForField(create.error, 'name')} />
        <Field
          label="Expires in (days)"
          type="number"
          min={1}
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          hint="Leave empty for the server's default."
          error={errorForField(create.error, 'expires_in_days')}
        />
        <button type="submit" disabled={create.busy || name.trim() === ''}>
          Create token
        </button>
      </form>
      <ErrorMessage error={create.error} shownFields={['name', 'expires_in_days']} />
      <ErrorMessage error={tokens.error ?? revoke.error} />
      <p role="status" className="status">
        {status}
      </p>
      {tokens.data && tokens.data.length === 0 && <p>No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <table>
          <caption>Your tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td>{t.name ?? t.id}</td>
                <td>{formatDate(t.created_at)}</td>
                <td>{t.expires_at ? formatDate(t.expires_at) : 'Never'}</td>
                <td>{t.last_used_at ? formatDate(t.last_used_at) : 'Never'}</td>
                <td>
                  <button type="button" className="danger" disabled={revoke.busy} onClick={() => void revoke.run(t)} aria-label={`Revoke ${t.name ?? t.id}`}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

