import type { ReactNode } from 'react';
import { Page } from '../../components/page.js';

/** Placeholder until the page is built. */
export function SubjectPage(_props: { readonly params: Record<string, string> }): ReactNode {
  return <Page title="Subject">{null}</Page>;
}
