import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.tsx';
import { seg } from '../api.ts';

export function OrgNav({ slug }: { slug: string }): ReactNode {
  const { pathname } = useLocation();
  const base = `/orgs/${seg(slug)}`;
  const items: [string, string][] = [
    [`${base}/members`, 'Members'],
    [`${base}/security`, 'Security'],
    [`${base}/audit-log`, 'Audit log'],
  ];
  return (
    <>
      <p className="crumbs">
        <Link to="/orgs">Organizations</Link> / <span>{slug}</span>
      </p>
      <nav aria-label="Organization" className="tabs">
        {items.map(([to, label]) => (
          <Link key={to} to={to} aria-current={pathname === to ? 'page' : undefined}>
            {label}
          </Link>
        ))}
      </nav>
    </>
  );
}
