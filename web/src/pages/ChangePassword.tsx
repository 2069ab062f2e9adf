import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { Page } from '../components/Page.tsx';
import { errorForField, passwordChangeReason } from '../errors.ts';
import { useAction } from '../hooks.ts';
import { navigate, safeNext, useLocation } from '../router.tsx';
import { useCurrentUser, useSession } from '../session.tsx';

/**
 * Changing one's password (PUT /v1/me/password). When the password was reported compromised or
 * is on the blocklist, this is the only page a session can use (docs/security.md): it says why,
 * and the change lifts the restriction.
 */
export function ChangePassword(): ReactNode {
  const { refresh } = useSession();
  const current = useCurrentUser();
  const { search } = useLocation();
  const next = safeNext(search.get('next'));
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [done, setDone] = useState(false);
  const restriction = current.session.restriction;
  const forced = restriction?.code === 'password_change_required';

  const change = useAction(async () => {
    await api.put('/v1/me/password', { current_password: currentPassword, new_password: newPassword });
    setCurrentPassword('');
    setNewPassword('');
    setDone(true);
    await refresh();
    if (forced) navigate(next === '/account/password' ? '/' : next);
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void change.run();
  };

  return (
    <Page title="Change your password">
      {forced && (
        <div className="callout" role="alert">
          <p>{passwordChangeReason(restriction?.reason)}</p>
          <p>Until you do, you can only change your password or sign out.</p>
        </div>
      )}
      {done && !forced && (
        <p className="callout" role="status">
          Your password was changed. Your other sessions were signed out.
        </p>
      )}
      <form onSubmit={submit} className="narrow" noValidate>
        <input type="email" autoComplete="username" value={current.user.email} readOnly hidden />
        <Field
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={currentPassword}
          onChange={(e) => setCurrentPassword(e.target.value)}
          error={change.error?.code === 'invalid_credentials' ? 'The current password is not right.' : errorForField(change.error, 'current_password')}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          value={newPassword}
          onChange={(e) => setNewPassword(e.target.value)}
          hint="At least 8 characters; a long passphrase is best. Not one you use elsewhere."
          error={
            // The server says what is wrong with it (too short, too common, built on your email, the current one).
            change.error?.code === 'weak_password' ? `Choose another password: ${change.error.body.detail ?? 'this one is too weak'}.` : errorForField(change.error, 'new_password')
          }
        />
        <ErrorMessage
          error={change.error?.code === 'invalid_credentials' || change.error?.code === 'weak_password' ? undefined : change.error}
          shownFields={['current_password', 'new_password']}
        />
        <button type="submit" disabled={change.busy || !currentPassword || !newPassword}>
          {change.busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </Page>
  );
}
