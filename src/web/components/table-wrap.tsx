import type { ReactNode } from 'react';

/**
 * A table that may scroll sideways on a narrow screen (a tablet at 820px): focusable and named, so a
 * keyboard user can scroll it too (WCAG 2.1.1; axe `scrollable-region-focusable`).
 */
export function TableWrap({
  label,
  className,
  children,
}: {
  readonly label: string;
  readonly className?: string;
  readonly children: ReactNode;
}): ReactNode {
  return (
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus
    <div className={`table-wrap ${className ?? ''}`.trim()} role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
