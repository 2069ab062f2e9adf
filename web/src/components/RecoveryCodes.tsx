import { useState } from 'react';
import type { ReactNode } from 'react';
import { copyText, downloadText } from '../download.ts';

/** Recovery codes, shown once: the user copies or downloads them before leaving. */
export function RecoveryCodes({ codes, onDone }: { codes: readonly string[]; onDone: () => void }): ReactNode {
  const [status, setStatus] = useState('');
  const text = codes.join('\n') + '\n';
  return (
    <section className="callout" aria-labelledby="recovery-codes-title">
      <h3 id="recovery-codes-title">Your recovery codes</h3>
      <p>
        Each code signs you in once if you lose your authenticator or passkey. Save them somewhere safe now:
        they won't be shown again.
      </p>
      <ol className="codes" aria-label="Recovery codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            void copyText(text).then((ok) => setStatus(ok ? 'Copied to the clipboard.' : 'Copying failed: select the codes and copy them.'))
          }
        >
          Copy
        </button>
        <button
          type="button"
          onClick={() => {
            downloadText('gatehouse-recovery-codes.txt', text);
            setStatus('Downloaded gatehouse-recovery-codes.txt.');
          }}
        >
          Download
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="status">
        {status}
      </p>
    </section>
  );
}
