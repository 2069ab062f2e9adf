import { useEffect, useId, useRef } from 'react';
import type { ReactNode } from 'react';

interface Props {
  title: string;
  onClose: () => void;
  children: ReactNode;
}

const FIELDS = 'input:not([disabled]), select:not([disabled]), textarea:not([disabled])';

/**
 * A modal <dialog>: opened with showModal (the page behind is inert), the first field gets
 * focus, and Escape closes it. Render it only while it is open.
 */
export function Dialog({ title, onClose, children }: Props): ReactNode {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    opener.current = document.activeElement;
    if (!dialog.open) dialog.showModal();
    // The first field gets focus; a dialog without fields focuses "Close", never a destructive button.
    const first = dialog.querySelector<HTMLElement>(`.dialog-body :is(${FIELDS})`) ?? dialog.querySelector<HTMLElement>('.dialog-head button');
    first?.focus();
    return () => {
      if (dialog.open) dialog.close();
      // Return focus to whatever opened the dialog.
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="link" onClick={onClose} aria-label="Close dialog">
          Close
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
