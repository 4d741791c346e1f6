import type { ReactNode } from 'react';
import { Page } from '../../components/page.js';

/** Placeholder until the page is built. */
export function ReportPage(_props: { readonly params: Record<string, string> }): ReactNode {
  return <Page title="Top-line report">{null}</Page>;
}
