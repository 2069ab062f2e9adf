import type { ReactNode } from 'react';
import type { NoncompliantAction, PersonRef } from '../../types.ts';

interface Props {
  members: readonly PersonRef[];
  mode: NoncompliantAction;
  /** When a grace period is chosen: the day the action applies. */
  deadline: string | undefined;
}

/** Who would be affected by enforcing now, in the chosen mode. */
export function ImpactPreview({ members, mode, deadline }: Props): ReactNode {
  if (members.length === 0) {
    return (
      <div className="callout" role="status">
        <p>Every active member already has two-factor authentication. Nobody loses access.</p>
      </div>
    );
  }
  const who = `${members.length} member${members.length === 1 ? '' : 's'}`;
  const when = deadline ? `on ${deadline}, when the grace period ends, unless they enable it first` : 'immediately';
  const sentence =
    mode === 'refuse'
      ? `Enforcement will be refused while ${who} ${members.length === 1 ? 'has' : 'have'} no two-factor authentication. Remind them first, or choose block or remove.`
      : mode === 'block'
        ? `${who} will be blocked ${when}. They stay members and regain access as soon as they enable it.`
        : `${who} will be moved to pending ${when}: they lose access and are emailed how to rejoin.`;
  return (
    <div className="warning" aria-live="polite">
      <h3>Impact preview</h3>
      <p>{sentence}</p>
      <ul aria-label="Members affected">
        {members.map((m) => (
          <li key={m.user_id}>
            {m.email}
            {m.role ? ` (${m.role})` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}
