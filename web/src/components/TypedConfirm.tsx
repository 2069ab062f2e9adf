import type { ReactNode } from 'react';
import { Field } from './Field.tsx';

interface Props {
  word: string;
  value: string;
  onChange: (value: string) => void;
}

/** "Type ENFORCE to confirm": the caller enables its button only when `value === word`. */
export function TypedConfirm({ word, value, onChange }: Props): ReactNode {
  return (
    <Field
      label={`Type ${word} to confirm`}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      autoComplete="off"
      autoCapitalize="characters"
      spellCheck={false}
      hint={value && value !== word ? `This must be exactly ${word}, in capital letters.` : undefined}
    />
  );
}
