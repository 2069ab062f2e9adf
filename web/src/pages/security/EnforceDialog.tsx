import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { api, seg } from '../../api.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { TypedConfirm } from '../../components/TypedConfirm.tsx';
import { errorForField } from '../../errors.ts';
import { formatDay } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import type { Enforcement, NoncompliantAction, RequiredFactor } from '../../types.ts';
import { ACTION_LABEL, ACTION_TEXT, FACTOR_TEXT } from './actions.ts';
import { ImpactPreview } from './ImpactPreview.tsx';

interface Props {
  slug: string;
  current: Enforcement;
  onClose: () => void;
  onDone: (next: Enforcement) => void;
}

const MODES: NoncompliantAction[] = ['refuse', 'block', 'remove'];

export function EnforceDialog({ slug, current, onClose, onDone }: Props): ReactNode {
  const [mode, setMode] = useState<NoncompliantAction>(current.noncompliant_action ?? 'refuse');
  const [graceDays, setGraceDays] = useState('');
  const [factor, setFactor] = useState<RequiredFactor>(current.required_factor ?? 'any');
  const [typed, setTyped] = useState('');

  const enforce = useAction(async () => {
    const days = mode !== 'refuse' && graceDays.trim() !== '' ? Number(graceDays) : undefined;
    const body = {
      confirm: typed,
      noncompliant_action: mode,
      ...(days !== undefined && days > 0 ? { grace_period_days: days } : {}),
      // `required_factor` is an extension field: only sent when the server reports it or the
      // admin asks for more than the default, so a server without it is not sent an unknown field.
      ...(current.required_factor !== undefined || factor !== 'any' ? { required_factor: factor } : {}),
    };
    onDone(await api.put<Enforcement>(`/v1/orgs/${seg(slug)}/mfa-enforcement`, body));
  });

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (typed === 'ENFORCE') void enforce.run();
  };

  const days = Number(graceDays);
  const deadline = mode !== 'refuse' && days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : undefined;

  return (
    <Dialog title={current.enabled ? 'Change MFA enforcement' : 'Enforce MFA'} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <fieldset className="choices stacked">
          <legend>Members without two-factor authentication</legend>
          {MODES.map((m) => (
            <label key={m} className="choice">
              <input type="radio" name="noncompliant-action" value={m} checked={mode === m} onChange={() => setMode(m)} />
              <span>
                <strong>{ACTION_LABEL[m]}</strong>
                <span className="block hint">{ACTION_TEXT[m]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <Field
          label="Grace period (days)"
          type="number"
          min={0}
          max={365}
          inputMode="numeric"
          value={mode === 'refuse' ? '' : graceDays}
          disabled={mode === 'refuse'}
          onChange={(e) => setGraceDays(e.target.value)}
          hint={
            mode === 'refuse'
              ? 'Not available with “refuse”: it applies at once.'
              : 'Members get this long to enable it before the action applies. Empty or 0: at once. The deadline is fixed now.'
          }
          error={errorForField(enforce.error, 'grace_period_days')}
        />
        <div className="field">
          <label htmlFor="required-factor">Accepted second factors</label>
          <select id="required-factor" value={factor} onChange={(e) => setFactor(e.target.value as RequiredFactor)}>
            <option value="any">{FACTOR_TEXT.any}</option>
            <option value="phishing_resistant">{FACTOR_TEXT.phishing_resistant}</option>
          </select>
        </div>
        <ImpactPreview members={current.compliance.noncompliant} mode={mode} deadline={deadline ? formatDay(deadline) : undefined} />
        <TypedConfirm word="ENFORCE" value={typed} onChange={setTyped} />
        <ErrorMessage error={enforce.error} shownFields={['grace_period_days']} />
        <div className="actions">
          <button type="submit" disabled={typed !== 'ENFORCE' || enforce.busy}>
            {current.enabled ? 'Save enforcement settings' : 'Enforce MFA'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
