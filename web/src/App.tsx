import type { ReactNode } from 'react';
import { Layout } from './components/Layout.tsx';
import { RequireSignIn } from './components/RequireSignIn.tsx';
import { AccountSecurity } from './pages/AccountSecurity.tsx';
import { AuditLog } from './pages/AuditLog.tsx';
import { ChangePassword } from './pages/ChangePassword.tsx';
import { InvitationAccept } from './pages/InvitationAccept.tsx';
import { MfaStep } from './pages/MfaStep.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { OrgMembers } from './pages/OrgMembers.tsx';
import { Orgs } from './pages/Orgs.tsx';
import { OrgSecurity } from './pages/OrgSecurity.tsx';
import { Rejoin } from './pages/Rejoin.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { SignUp } from './pages/SignUp.tsx';
import { useRoutes } from './router.tsx';
import type { Route } from './router.tsx';

const signedIn = (render: () => ReactNode): ReactNode => <RequireSignIn>{render}</RequireSignIn>;
const slugOf = (p: Record<string, string>): string => p['slug'] ?? '';

// Keyed by slug so that moving between organizations starts each page afresh.
const ROUTES: readonly Route[] = [
  { path: '/signin', render: () => <SignIn /> },
  { path: '/signup', render: () => <SignUp /> },
  { path: '/signin/mfa', render: () => <MfaStep /> },
  { path: '/invitations/:token', render: (p) => <InvitationAccept token={p['token'] ?? ''} /> },
  { path: '/', render: () => signedIn(() => <Orgs />) },
  { path: '/orgs', render: () => signedIn(() => <Orgs />) },
  { path: '/account/security', render: () => signedIn(() => <AccountSecurity />) },
  { path: '/account/password', render: () => signedIn(() => <ChangePassword />) },
  { path: '/orgs/:slug', render: (p) => signedIn(() => <OrgMembers key={slugOf(p)} slug={slugOf(p)} />) },
  { path: '/orgs/:slug/members', render: (p) => signedIn(() => <OrgMembers key={slugOf(p)} slug={slugOf(p)} />) },
  { path: '/orgs/:slug/security', render: (p) => signedIn(() => <OrgSecurity key={slugOf(p)} slug={slugOf(p)} />) },
  { path: '/orgs/:slug/audit-log', render: (p) => signedIn(() => <AuditLog key={slugOf(p)} slug={slugOf(p)} />) },
  { path: '/orgs/:slug/rejoin', render: (p) => signedIn(() => <Rejoin key={slugOf(p)} slug={slugOf(p)} />) },
];

const notFound = (): ReactNode => <NotFound />;

export function App(): ReactNode {
  return <Layout>{useRoutes(ROUTES, notFound)}</Layout>;
}
