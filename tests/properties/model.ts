import { issueSession } from '../../src/app/accounts/issueSession.ts';
import { transact } from '../../src/app/transact.ts';
import { newId } from '../../src/core/ids.ts';
import type { Role } from '../../src/core/roles.ts';
import { totpCode } from '../../src/core/totp.ts';
import { repos } from '../../src/db/repos.ts';
import { uniqueEmail } from '../helpers/flows.ts';
import type { Harness } from '../helpers/harness.ts';

/**
 * What a generated sequence knows about the world it drives: its own users and organizations
 * (fresh for every sequence, so sequences are independent and a failing one replays alone) and
 * the secrets only a client holds (tokens, TOTP secrets, invitation links). Everything the
 * invariants compare is read back from the database, never trusted from here.
 */
export interface SimFactor {
  id: string;
  secret: string;
  /** The last TOTP time step the server accepted for this factor: each code works once. */
  lastStep: number;
}

export interface SimUser {
  id: string;
  email: string;
  token: string;
  factors: SimFactor[];
}

export interface SimOrg {
  id: string;
  slug: string;
}

export interface Sim {
  h: Harness;
  /** argon2id hash of PASSWORD, computed once per file (see seedUser). */
  passwordHash: string;
  users: SimUser[];
  orgs: SimOrg[];
  /** `${orgId} ${email}` → the newest invitation token mailed for it. */
  invitations: Map<string, string>;
  /** Invitation tokens the sequence accepted: their invitee knows the link is used. */
  acceptedInvitations: Set<string>;
  /** Set when the step moved the clock (TOTP codes, explicit advances): jobs ran meanwhile. */
  advanced: boolean;
}

export const ROLES_BY_RANK: readonly Role[] = ['owner', 'admin', 'manager', 'member'];

export function newSim(h: Harness, passwordHash: string): Sim {
  return { h, passwordHash, users: [], orgs: [], invitations: new Map(), acceptedInvitations: new Set(), advanced: false };
}

/**
 * A user created straight in the database with a precomputed password hash. Sign-up through the
 * API is one of the generated operations too, but argon2id at OWASP's parameters costs ~70 ms per
 * hash on the CI machine: seeding the starting cast this way keeps a few hundred sequences inside
 * a minute. The hash is real, so a later password sign-in through the API works.
 */
export async function seedUser(sim: Sim): Promise<SimUser> {
  const deps = sim.h.gatehouse.deps;
  const id = newId(deps.random, 'usr');
  const email = uniqueEmail('prop');
  await repos(deps.db).users.insert({ id, email, name: null, passwordHash: sim.passwordHash, now: deps.clock.now() });
  const user: SimUser = { id, email, token: '', factors: [] };
  await signInDirect(sim, user);
  sim.users.push(user);
  return user;
}

/**
 * A fresh session as a completed sign-in would leave it (aal 2 when the user has a factor),
 * written by the same use-case code the sign-in endpoints use. The driver signs in again this
 * way when a session timed out or a factor change asks for a recent sign-in, as a person would.
 */
export async function signInDirect(sim: Sim, user: SimUser): Promise<void> {
  const deps = sim.h.gatehouse.deps;
  const hasFactor = (await repos(deps.db).factors.summary(user.id)).hasFactor;
  const issued = await transact(deps, (tx) =>
    issueSession(deps, tx, {
      userId: user.id,
      aal: hasFactor ? 2 : 1,
      amr: hasFactor ? ['pwd', 'otp', 'mfa'] : ['pwd'],
      mfaPending: false,
      authenticatedAt: tx.now,
    }),
  );
  user.token = issued.token;
}

/** A TOTP code the server has not seen for this factor: this step's, the next one's, or (moving the clock) a later one. */
export async function nextCode(sim: Sim, factor: SimFactor): Promise<string> {
  const stepOf = (): number => Math.floor(sim.h.gatehouse.deps.clock.now().getTime() / 30_000);
  if (factor.lastStep + 1 > stepOf() + 1) {
    await sim.h.advance(30);
    sim.advanced = true;
  }
  // The server accepts one step of drift either way; the next step's code is valid now.
  const step = Math.max(stepOf(), factor.lastStep + 1);
  factor.lastStep = step;
  return totpCode({ secret: factor.secret, now: new Date(step * 30_000) });
}

export function userById(sim: Sim, id: string): SimUser | undefined {
  return sim.users.find((user) => user.id === id);
}
