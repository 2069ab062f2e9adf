import { useState } from 'react';
import type { ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { roleName } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import type { PersonRef } from '../../types.ts';
import { SKIP_REASON } from './actions.ts';

interface ReminderResult {
  sent: string[];
  skipped: { user_id: string; reason: string }[];
}

/** The outcome in words, fixed when it arrives (the list may change afterwards). */
interface Outcome {
  sent: string;
  skipped: string[];
}

export function NoncompliantList({ slug, members }: { slug: string; members: readonly PersonRef[] }): ReactNode {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const emailOf = (id: string): string => members.find((m) => m.user_id === id)?.email ?? id;

  const remind = useAction(async (userIds: string[] | undefined) => {
    setOutcome(null);
    // No ids: the server reminds every non-compliant member.
    const res = await api.post<ReminderResult>(`/v1/orgs/${seg(slug)}/mfa-reminders`, userIds ? { user_ids: userIds } : {});
    setOutcome({
      sent: res.sent.length > 0 ? `Reminder sent to ${res.sent.map(emailOf).join(', ')}.` : 'No reminders were sent.',
      skipped: res.skipped.map((s) => `Skipped ${emailOf(s.user_id)}: ${SKIP_REASON[s.reason] ?? s.reason}`),
    });
    setSelected(new Set());
  });

  const toggle = (id: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  return (
    <section aria-labelledby="noncompliant-title">
      <h2 id="noncompliant-title">Members without two-factor authentication</h2>
      {members.length === 0 ? (
        <p>None: every active member has two-factor authentication.</p>
      ) : (
        <>
          <div className="toolbar">
            <button type="button" disabled={selected.size === 0 || remind.busy} onClick={() => void remind.run([...selected])}>
              Remind selected{selected.size > 0 ? ` (${selected.size})` : ''}
            </button>
            <button type="button" className="secondary" disabled={remind.busy} onClick={() => void remind.run(undefined)}>
              Remind all
            </button>
          </div>
          <table>
            <caption className="sr-only">Members without two-factor authentication</caption>
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select all"
                    checked={selected.size === members.length}
                    onChange={(e) => setSelected(e.target.checked ? new Set(members.map((m) => m.user_id)) : new Set())}
                  />
                </th>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Two-factor</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.user_id}>
                  <td>
                    <input type="checkbox" aria-label={`Select ${m.email}`} checked={selected.has(m.user_id)} onChange={(e) => toggle(m.user_id, e.target.checked)} />
                  </td>
                  <th scope="row">{m.email}</th>
                  <td>{m.role ? roleName(m.role) : '—'}</td>
                  <td>
                    <span className="badge bad">
                      <span aria-hidden="true">✗ </span>Off
                    </span>
                  </td>
                  <td>
                    <button type="button" className="secondary" disabled={remind.busy} onClick={() => void remind.run([m.user_id])} aria-label={`Send reminder to ${m.email}`}>
                      Send reminder
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <ErrorMessage error={remind.error} />
      <div role="status" className="status">
        {outcome && (
          <>
            <p>{outcome.sent}</p>
            {outcome.skipped.length > 0 && (
              <ul aria-label="Skipped">
                {outcome.skipped.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
    </section>
  );
}
