import { call, type Response } from '../helpers/client.ts';
import { PASSWORD, uniqueEmail } from '../helpers/flows.ts';
import { invitationTokenFor, uniqueSlug } from '../helpers/orgFlows.ts';
import { nextCode, ROLES_BY_RANK, signInDirect, type Sim, type SimOrg, type SimUser } from './model.ts';
import { OUTSIDER_FROM, type Op } from './operations.ts';
import type { Snapshot } from './snapshot.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What one step did, for the invariants and for a readable counterexample. */
export interface StepOutcome {
  /** The operation with its indices resolved, e.g. `enforce(remove, grace 7) by usr_… on org-3`. */
  label: string;
  /** The call that carries the operation's meaning (null: nothing to do, e.g. no invitation to accept). */
  main: Response | null;
  mainPath: string | null;
  /** Whether something besides the main call may have changed state: the clock moved (and scheduled jobs ran). */
  otherChanges: boolean;
}

/**
 * Checks a call an operation makes before its main one (enabling MFA, then rejoining or accepting)
 * as a step of its own, with the invariants, before the main call goes out.
 */
export type Checkpoint = (kind: string, outcome: StepOutcome) => Promise<unknown>;

export class ServerError extends Error {
  override readonly name = 'ServerError';
}

/**
 * A client call as a person's client would make it: when the session timed out, or a factor change
 * asks for a recent sign-in, sign in again and retry once. Any 5xx fails the property at once.
 */
async function api(sim: Sim, user: SimUser | null, method: Method, path: string, body?: unknown, options: { reauth?: boolean } = {}): Promise<Response> {
  const send = (): Promise<Response> => call(sim.h, method, path, { ...(user ? { token: user.token } : {}), ...(body !== undefined ? { body } : {}) });
  let response = await send();
  const code = response.body?.code;
  const signedOut = response.status === 401 && (code === 'unauthenticated' || code === 'mfa_verification_required');
  if (user && (signedOut || (options.reauth === true && code === 'reauthentication_required'))) {
    await signInDirect(sim, user);
    response = await send();
  }
  if (response.status >= 500) throw new ServerError(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response;
}

function pick<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** Members of `org` (pending too), most senior first, as users of the sequence. */
function membersOf(sim: Sim, snapshot: Snapshot, org: SimOrg): SimUser[] {
  const rows = [...snapshot.memberships.values()].filter((row) => row.orgId === org.id);
  rows.sort((a, b) => ROLES_BY_RANK.indexOf(a.role) - ROLES_BY_RANK.indexOf(b.role) || Number(a.state !== 'active') - Number(b.state !== 'active'));
  return rows.map((row) => sim.users.find((user) => user.id === row.userId)).filter((user): user is SimUser => user !== undefined);
}

/** Among `likely` below OUTSIDER_FROM (when there are any), else among every user of the sequence; see `exactly`. */
function choose(sim: Sim, likely: readonly SimUser[], index: number): SimUser | undefined {
  if (index < 0) return sim.users[-1 - index];
  return index >= OUTSIDER_FROM || likely.length === 0 ? pick(sim.users, index) : pick(likely, index);
}

function pendingOf(sim: Sim, snapshot: Snapshot, org: SimOrg): SimUser[] {
  const ids = new Set([...snapshot.memberships.values()].filter((row) => row.orgId === org.id && row.state === 'pending').map((row) => row.userId));
  return sim.users.filter((user) => ids.has(user.id));
}

/** Invitees to `org` who have not used their newest link yet (it may still have expired or been replaced). */
function openInvitees(sim: Sim, org: SimOrg): SimUser[] {
  return sim.users.filter((user) => {
    const token = sim.invitations.get(`${org.id} ${user.email}`);
    return token !== undefined && !sim.acceptedInvitations.has(token);
  });
}

const short = (user: SimUser | undefined): string => user?.email.split('@')[0] ?? '-';

/** Adds an authenticator app: start, then confirm with a code (a recent sign-in first, when asked). */
async function enrollTotp(sim: Sim, user: SimUser): Promise<Response & { path: string }> {
  const started = await api(sim, user, 'POST', '/v1/me/mfa/totp', {}, { reauth: true });
  if (started.status !== 201) return { ...started, path: '/v1/me/mfa/totp' };
  const factor = { id: started.body.factor_id as string, secret: started.body.secret as string, lastStep: -1 };
  const path = `/v1/me/mfa/totp/${factor.id}/confirm`;
  const confirmed = await api(sim, user, 'POST', path, { code: await nextCode(sim, factor) });
  if (confirmed.status === 200) {
    user.token = confirmed.body.token;
    user.factors.push(factor);
  }
  return { ...confirmed, path };
}

export async function runOp(sim: Sim, op: Op, before: Snapshot, checkpoint: Checkpoint): Promise<StepOutcome> {
  sim.advanced = false;
  const outcome = (label: string, main: Response | null, mainPath: string | null = null): StepOutcome => ({
    label,
    main,
    mainPath,
    otherChanges: sim.advanced,
  });
  const h = sim.h;

  if (op.kind === 'advance') {
    await h.advance(op.seconds);
    sim.advanced = true;
    return outcome(`advance ${op.seconds}s`, null);
  }
  if (op.kind === 'signUp') {
    const email = uniqueEmail('prop');
    const created = await api(sim, null, 'POST', '/v1/users', { email, password: PASSWORD });
    if (created.status !== 201) return outcome('signUp', created);
    const session = await api(sim, null, 'POST', '/v1/sessions', { email, password: PASSWORD });
    sim.users.push({ id: created.body.user.id, email, token: session.body.token, factors: [] });
    return outcome(`signUp ${email}`, session, '/v1/sessions');
  }

  if ('user' in op && op.kind !== 'signIn' && op.kind !== 'enroll' && op.kind !== 'deleteFactor' && op.kind !== 'createOrg') {
    // accept and reinstate: a user acting on an organization
    let org = pick(sim.orgs, op.org);
    if (!org) return outcome(`${op.kind} (no org)`, null);
    if (op.kind === 'reinstate' && op.user >= 0 && op.user < OUTSIDER_FROM && pendingOf(sim, before, org).length === 0) {
      // Mostly someone who can rejoin: a pending member of any organization of the sequence.
      const pending = [...before.memberships.values()].filter((row) => row.state === 'pending');
      const chosen = pick(pending, op.org);
      org = (chosen && sim.orgs.find((candidate) => candidate.id === chosen.orgId)) ?? org;
    }
    if (op.kind === 'accept' && op.user >= 0 && op.user < OUTSIDER_FROM && openInvitees(sim, org).length === 0) {
      // Mostly an invitation that may still work, to any organization of the sequence.
      org = pick(sim.orgs.filter((candidate) => openInvitees(sim, candidate).length > 0), op.org) ?? org;
    }
    const open = openInvitees(sim, org);
    const invited = open.length > 0 ? open : sim.users.filter((candidate) => sim.invitations.has(`${org.id} ${candidate.email}`));
    const user = choose(sim, op.kind === 'accept' ? invited : pendingOf(sim, before, org), op.user);
    if (!user) return outcome(`${op.kind} (nobody)`, null);
    const token = sim.invitations.get(`${org.id} ${user.email}`);
    if (op.kind === 'accept' && !token) return outcome(`accept (no invitation) ${short(user)} → ${org.slug}`, null);
    // An invitee is told to enable MFA only where the organization requires it; a pending member
    // follows the rejoin mail's advice to enable it whatever the policy became.
    if (op.enrollFirst && user.factors.length === 0 && (op.kind === 'reinstate' || before.orgs.get(org.id)?.mfa_required === true)) {
      const enrolled = await enrollTotp(sim, user);
      await checkpoint('enroll', outcome(`enroll ${short(user)} (to ${op.kind === 'accept' ? 'accept' : 'rejoin'})`, enrolled, enrolled.path));
      sim.advanced = false;
    }
    const label = op.kind === 'accept' ? `accept ${short(user)} → ${org.slug}` : `reinstate ${short(user)} in ${org.slug}`;
    const path = op.kind === 'accept' ? `/v1/invitations/${token}/accept` : `/v1/orgs/${org.slug}/reinstate`;
    const response = await api(sim, user, 'POST', path);
    if (op.kind === 'accept' && response.status === 200) sim.acceptedInvitations.add(token!);
    return outcome(label, response, path);
  }

  if (op.kind === 'signIn' || op.kind === 'enroll' || op.kind === 'deleteFactor' || op.kind === 'createOrg') {
    // Deletions mostly by people with a factor; enrollments mostly by people without one (pending members among them).
    const likely = op.kind === 'deleteFactor' ? sim.users.filter((candidate) => candidate.factors.length > 0) : op.kind === 'enroll' ? sim.users.filter((candidate) => candidate.factors.length === 0) : sim.users;
    const user = op.kind === 'enroll' && op.user < 0 ? sim.users[-1 - op.user] : choose(sim, likely, op.user);
    if (!user) return outcome(`${op.kind} (nobody)`, null);
    switch (op.kind) {
      case 'signIn': {
        // The real flow: password (argon2id), then the TOTP step when the user has a factor.
        const pending = await api(sim, null, 'POST', '/v1/sessions', { email: user.email, password: PASSWORD });
        if (pending.status !== 201) return outcome(`signIn ${short(user)}`, pending, '/v1/sessions');
        user.token = pending.body.token;
        const factor = user.factors[0];
        if (!pending.body.session.mfa_pending || !factor) return outcome(`signIn ${short(user)}`, pending, '/v1/sessions');
        const code = await nextCode(sim, factor);
        const verified = await call(h, 'POST', '/v1/sessions/current/mfa', { token: user.token, body: { type: 'totp', code } });
        if (verified.status >= 500) throw new ServerError(`MFA step answered ${verified.status}: ${JSON.stringify(verified.body)}`);
        if (verified.status === 200) user.token = verified.body.token;
        return outcome(`signIn+mfa ${short(user)}`, verified, '/v1/sessions/current/mfa');
      }
      case 'enroll': {
        const confirmed = await enrollTotp(sim, user);
        return outcome(`enroll ${short(user)}`, confirmed, confirmed.path);
      }
      case 'deleteFactor': {
        const factor = pick(user.factors, op.factor);
        if (!factor) return outcome(`deleteFactor (none) ${short(user)}`, null);
        const path = `/v1/me/mfa/factors/${factor.id}`;
        const body = op.acknowledge ? { acknowledge_leaving_organizations: true } : {};
        const deleted = await api(sim, user, 'DELETE', path, body, { reauth: true });
        if (deleted.status === 204) user.factors = user.factors.filter((other) => other.id !== factor.id);
        return outcome(`deleteFactor ${short(user)}${op.acknowledge ? ' (acknowledged)' : ''}`, deleted, path);
      }
      case 'createOrg': {
        const slug = uniqueSlug('prop');
        const created = await api(sim, user, 'POST', '/v1/orgs', { slug, name: `Org ${slug}` });
        if (created.status === 201) {
          const row = await h.gatehouse.deps.db.selectFrom('orgs').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
          sim.orgs.push({ id: row.id, slug });
        }
        return outcome(`createOrg ${slug} by ${short(user)}`, created, '/v1/orgs');
      }
    }
  }

  // Operations by an actor on an organization.
  const org = pick(sim.orgs, op.org);
  if (!org) return outcome(`${op.kind} (no org)`, null);
  const members = membersOf(sim, before, org);
  const actor = choose(sim, members, op.actor);
  if (!actor) return outcome(`${op.kind} (nobody)`, null);
  const by = `by ${short(actor)} in ${org.slug}`;
  switch (op.kind) {
    case 'invite': {
      // Mostly pending members (invited again, they rejoin with the invited role), else people not in
      // the organization yet: inviting active members is a 409.
      const pending = pendingOf(sim, before, org);
      const invitee = choose(sim, pending.length > 0 ? pending : sim.users.filter((user) => !members.includes(user)), op.invitee)!;
      const path = `/v1/orgs/${org.slug}/invitations`;
      const invited = await api(sim, actor, 'POST', path, { email: invitee.email, role: op.role });
      if (invited.status === 201) sim.invitations.set(`${org.id} ${invitee.email}`, await invitationTokenFor(h, invitee.email));
      return outcome(`invite ${short(invitee)}${pending.includes(invitee) ? ' (pending)' : ''} as ${op.role} ${by}`, invited, path);
    }
    case 'changeRole': {
      const target = choose(sim, members, op.target)!;
      const path = `/v1/orgs/${org.slug}/members/${target.id}`;
      return outcome(`changeRole ${short(target)} → ${op.role} ${by}`, await api(sim, actor, 'PATCH', path, { role: op.role }), path);
    }
    case 'transfer': {
      const target = choose(sim, members, op.target)!;
      const path = `/v1/orgs/${org.slug}/ownership-transfer`;
      return outcome(`transfer to ${short(target)} ${by}`, await api(sim, actor, 'POST', path, { user_id: target.id }), path);
    }
    case 'removeMember': {
      const target = choose(sim, members, op.target)!;
      const path = `/v1/orgs/${org.slug}/members/${target.id}`;
      return outcome(`remove ${short(target)} ${by}`, await api(sim, actor, 'DELETE', path), path);
    }
    case 'enforce': {
      const path = `/v1/orgs/${org.slug}/mfa-enforcement`;
      const body = { confirm: 'ENFORCE', noncompliant_action: op.mode, ...(op.graceDays !== null ? { grace_period_days: op.graceDays } : {}) };
      return outcome(`enforce ${op.mode}${op.graceDays !== null ? ` grace ${op.graceDays}d` : ''} ${by}`, await api(sim, actor, 'PUT', path, body), path);
    }
    case 'stop': {
      const path = `/v1/orgs/${org.slug}/mfa-enforcement`;
      return outcome(`stop ${by}`, await api(sim, actor, 'DELETE', path, { confirm: 'STOP' }), path);
    }
    case 'remind': {
      const path = `/v1/orgs/${org.slug}/mfa-reminders`;
      const target = op.target === null ? null : choose(sim, members, op.target)!;
      const body = target ? { user_ids: [target.id] } : {};
      return outcome(`remind ${target ? short(target) : 'everyone'} ${by}`, await api(sim, actor, 'POST', path, body), path);
    }
    case 'resendRejoin': {
      const target = choose(sim, pendingOf(sim, before, org), op.target)!;
      const path = `/v1/orgs/${org.slug}/members/${target.id}/resend-invite`;
      return outcome(`resendRejoin ${short(target)} ${by}`, await api(sim, actor, 'POST', path), path);
    }
  }
}
