import { useState } from 'react';
import type { ReactNode } from 'react';
import { api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Page } from '../components/Page.tsx';
import { RecoveryCodes } from '../components/RecoveryCodes.tsx';
import { useLoad } from '../hooks.ts';
import { Link, safeNext, useLocation } from '../router.tsx';
import { useCurrentUser, useSession } from '../session.tsx';
import type { MfaStatus } from '../types.ts';
import { FactorList } from './account/FactorList.tsx';
import { PasskeySetup } from './account/PasskeySetup.tsx';
import { RecoveryCodesPanel } from './account/RecoveryCodesPanel.tsx';
import { TokensPanel } from './account/TokensPanel.tsx';
import { TotpSetup } from './account/TotpSetup.tsx';

export function AccountSecurity(): ReactNode {
  const { refresh } = useSession();
  const restricted = Boolean(useCurrentUser().session.restriction);
  const { search } = useLocation();
  const next = safeNext(search.get('next'), '');
  const mfa = useLoad(() => api.get<MfaStatus>('/v1/me/mfa'), 'mfa');
  const [codes, setCodes] = useState<string[] | null>(null);

  const factorAdded = async (recoveryCodes: string[] | undefined): Promise<void> => {
    if (recoveryCodes && recoveryCodes.length > 0) setCodes(recoveryCodes);
    // Enrolling may rotate the session (e.g. to aal 2): re-read it and the factor list.
    await Promise.all([refresh(), mfa.reload()]);
  };

  const enabled = mfa.data?.enabled ?? false;
  const active = mfa.data?.factors ?? [];

  return (
    <Page title="Account security">
      {restricted && !enabled && mfa.data && (
        <div className="callout" role="alert">
          <p>This server requires two-factor authentication for every account. Add an authenticator app or a passkey below to continue.</p>
        </div>
      )}
      {next && !(restricted && !enabled) && (
        <div className="callout" role="status">
          {enabled ? (
            <p>
              Two-factor authentication is on. <Link to={next}>Continue where you left off</Link>
            </p>
          ) : (
            <p>
              Set up two-factor authentication below (an authenticator app or a passkey), then{' '}
              <Link to={next}>continue where you left off</Link>.
            </p>
          )}
        </div>
      )}

      <section aria-labelledby="mfa-title">
        <h2 id="mfa-title">Two-factor authentication</h2>
        <ErrorMessage error={mfa.error} />
        {mfa.data && (
          <p className={`badge ${enabled ? 'ok' : 'warn'}`}>
            Status: {enabled ? 'On' : 'Off'}
            {enabled ? '' : ' — add an authenticator app or a passkey to turn it on'}
          </p>
        )}
        {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
        {mfa.data && <FactorList factors={active} onChanged={() => void mfa.reload()} />}
        <div className="grid2">
          <TotpSetup onEnabled={factorAdded} />
          <PasskeySetup onAdded={factorAdded} />
        </div>
        {enabled && (
          <RecoveryCodesPanel remaining={mfa.data?.recovery_codes_remaining} onNewCodes={(c) => void factorAdded(c)} />
        )}
      </section>

      {/* A session held back until it enrolls a factor can do nothing else here (GATEHOUSE_REQUIRE_MFA). */}
      {!restricted && (
        <section aria-labelledby="password-title">
          <h2 id="password-title">Password</h2>
          <p>
            <Link to="/account/password">Change your password</Link>
          </p>
        </section>
      )}
      {!restricted && <TokensPanel />}
    </Page>
  );
}
