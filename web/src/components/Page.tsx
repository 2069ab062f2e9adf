import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';

interface Props {
  title: string;
  /** Shown above the heading, e.g. the organization name. */
  context?: ReactNode;
  children: ReactNode;
}

let firstPage = true;

/** Sets the document title and, after client-side navigation, moves focus to the heading. */
export function Page({ title, context, children }: Props): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Gatehouse`;
    if (firstPage) firstPage = false;
    else heading.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <div className="page">
      {context}
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}
