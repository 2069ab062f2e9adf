import type { AppDeps } from '../../app/deps.ts';
import type { WebauthnAssertionVerifier } from '../../app/factors/verifySecondFactor.ts';
import type { TestClock } from '../../core/testClock.ts';
import type { App } from '../buildServer.ts';
import { registerAccountRoutes } from './accounts.ts';
import { registerFactorRoutes } from './factors.ts';
import { registerSystemRoutes } from './system.ts';
import { registerTokenRoutes } from './tokens.ts';
import { registerWebauthnRoutes } from './webauthn.ts';
import { registerOrgRoutes } from './orgs.ts';
import { registerMembersRoutes } from './members.ts';
import { registerInvitationsRoutes } from './invitations.ts';
import { registerEnforcementRoutes } from './enforcement.ts';
import { registerAuditRoutes } from './audit.ts';
import { registerAdminRoutes } from './admin.ts';
import { registerSshRoutes } from './ssh.ts';
import { registerSsoRoutes } from './sso.ts';
import type { SshCa } from '../../ssh/caKey.ts';

/** Optional parts the composition root plugs in. */
export interface Extras {
  testClock?: { clock: TestClock; runDue: () => Promise<void> };
  webauthnAssertion?: WebauthnAssertionVerifier;
  sshCa?: SshCa;
}

export function registerRoutes(app: App, deps: AppDeps, extras: Extras): void {
  registerSystemRoutes(app, deps, extras);
  registerAccountRoutes(app, deps, extras);
  registerFactorRoutes(app, deps);
  registerWebauthnRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerOrgRoutes(app, deps);
  registerMembersRoutes(app, deps);
  registerInvitationsRoutes(app, deps);
  registerEnforcementRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerAdminRoutes(app, deps);
  if (extras.sshCa) registerSshRoutes(app, deps, extras.sshCa);
  registerSsoRoutes(app, deps);
}
