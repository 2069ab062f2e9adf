import type { ReactNode } from 'react';
import { Page } from '../components/Page.tsx';
import { Link } from '../router.tsx';

export function NotFound(): ReactNode {
  return (
    <Page title="Page not found">
      <p>There is nothing at this address.</p>
      <Link to="/">Go to your organizations</Link>
    </Page>
  );
}
