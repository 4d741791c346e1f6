import type { ReactNode } from 'react';
import { Link } from '../app/router.js';
import { Page } from '../components/page.js';

export function NotFoundPage(): ReactNode {
  return (
    <Page title="Page not found">
      <p>
        There is no page at <code>{window.location.pathname}</code>. <Link to="/">Back to the studies</Link>.
      </p>
    </Page>
  );
}
