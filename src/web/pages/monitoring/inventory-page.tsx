import type { ReactNode } from 'react';
import { Page } from '../../components/page.js';

/** Placeholder until the page is built. */
export function InventoryPage(_props: { readonly params: Record<string, string> }): ReactNode {
  return <Page title="Drug inventory">{null}</Page>;
}
