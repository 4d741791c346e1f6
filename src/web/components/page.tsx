import { useEffect, useRef, type ReactNode } from 'react';
import { takeFocusAfterNavigation } from '../app/router.js';

/** A page's heading, also the document title, so screen readers and tabs say where the user is. */
export function Page({
  title,
  actions,
  children,
}: {
  readonly title: string;
  readonly actions?: ReactNode;
  readonly children: ReactNode;
}): ReactNode {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · trialdesk`;
  }, [title]);
  useEffect(() => takeFocusAfterNavigation(heading.current), []);
  return (
    <>
      <div className="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions ? <div className="page-actions">{actions}</div> : null}
      </div>
      {children}
    </>
  );
}

/** A status word as a coloured badge (colour is never the only signal: the word is there). */
export function Badge({
  tone = 'neutral',
  children,
}: {
  readonly tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info';
  readonly children: ReactNode;
}): ReactNode {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
