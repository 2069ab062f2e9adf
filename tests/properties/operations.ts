import fc from 'fast-check';
import type { Role } from '../../src/core/roles.ts';

/**
 * One generated operation. Indices are small numbers resolved against the sequence's current
 * cast when the step runs (modulo its size), so any generated list is runnable and shrinks well.
 * Below OUTSIDER_FROM an index picks among the people the operation is most likely to mean —
 * an organization's members (most senior first) for an actor, its members for a target, pending
 * members for a reinstatement, invitees with an unused link for an acceptance, users holding a
 * factor for a deletion; from OUTSIDER_FROM on it picks among every user of the sequence, so that
 * operations by and on the wrong people happen too.
 */
export type Op =
  | { kind: 'signUp' }
  | { kind: 'signIn'; user: number }
  | { kind: 'enroll'; user: number }
  | { kind: 'deleteFactor'; user: number; factor: number; acknowledge: boolean }
  | { kind: 'invite'; actor: number; org: number; invitee: number; role: Role }
  | { kind: 'accept'; user: number; org: number; enrollFirst: boolean }
  | { kind: 'changeRole'; actor: number; org: number; target: number; role: Role }
  | { kind: 'transfer'; actor: number; org: number; target: number }
  | { kind: 'removeMember'; actor: number; org: number; target: number }
  | { kind: 'enforce'; actor: number; org: number; mode: 'refuse' | 'block' | 'remove'; graceDays: number | null }
  | { kind: 'stop'; actor: number; org: number }
  | { kind: 'remind'; actor: number; org: number; target: number | null }
  | { kind: 'reinstate'; user: number; org: number; enrollFirst: boolean }
  | { kind: 'resendRejoin'; actor: number; org: number; target: number }
  | { kind: 'createOrg'; user: number }
  | { kind: 'advance'; seconds: number };

export const OUTSIDER_FROM = 28;

/** An index naming the sequence's n-th user whatever the operation would prefer (the setup's cast). */
export function exactly(user: number): number {
  return -1 - user;
}

const index = fc.nat({ max: 31 });
/** Mostly the most senior member (index 0 after sorting by rank), sometimes anyone. */
const seniorActor = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: index });
const role = fc.constantFrom<Role>('member', 'member', 'manager', 'admin', 'owner');
const DAY = 86_400;
/** From one TOTP step to past the 90-day reinstatement window. */
const seconds = fc.oneof(
  fc.constantFrom(30, 600, 3_600, 3 * 3_600, DAY, 7 * DAY, 8 * DAY, 31 * DAY, 91 * DAY, 100 * DAY),
  fc.integer({ min: 1, max: 100 * DAY }),
);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'signUp' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('signIn' as const), user: index }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('enroll' as const), user: index }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('deleteFactor' as const), user: index, factor: index, acknowledge: fc.boolean() }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('invite' as const), actor: seniorActor, org: index, invitee: index, role }) },
  // `enrollFirst`: what the invitation's refusal asks of an invitee without MFA (a pending member among them), then the same link again.
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('accept' as const), user: index, org: index, enrollFirst: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('changeRole' as const), actor: seniorActor, org: index, target: index, role }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('transfer' as const), actor: seniorActor, org: index, target: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('removeMember' as const), actor: seniorActor, org: index, target: index }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('enforce' as const),
      actor: seniorActor,
      org: index,
      mode: fc.constantFrom<'refuse' | 'block' | 'remove'>('refuse', 'block', 'remove', 'remove'),
      // Half with a grace period (with `refuse` that is a 400 by contract).
      graceDays: fc.option(fc.constantFrom(1, 7, 30), { nil: null, freq: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('stop' as const), actor: seniorActor, org: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('remind' as const), actor: seniorActor, org: index, target: fc.option(index, { nil: null }) }) },
  // `enrollFirst`: the rejoin mail's path — enable two-factor authentication, then rejoin.
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('reinstate' as const), user: index, org: index, enrollFirst: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resendRejoin' as const), actor: seniorActor, org: index, target: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createOrg' as const), user: index }) },
  { weight: 7, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds }) },
);

/**
 * Where a sequence starts: an owner (with MFA or not) and one to four members who joined by
 * invitation, each with or without MFA, and maybe enforcement switched on by the owner a day
 * later. It runs as ordinary operations, checked like the rest.
 */
export interface Setup {
  ownerMfa: boolean;
  members: { role: Role; mfa: boolean }[];
  /** Half the sequences start with the owner enforcing MFA: what follows then plays out under it. */
  enforce: { mode: 'refuse' | 'block' | 'remove'; graceDays: number | null } | null;
  /**
   * When that enforcement moves members to pending at once, the owner then invites one of them
   * again with this role (null: nobody is invited). What follows decides whether they accept it,
   * enabling MFA first or not, are reinstated instead, or neither. Random operations alone hardly
   * ever got there: a pending member is rare and late in a sequence, and the rejoin takes an
   * invitation, then an acceptance by that member with MFA, before anything else brings them back.
   */
  reinvite: Role | null;
}

export const setupArb: fc.Arbitrary<Setup> = fc.record({
  // Mostly: an owner without MFA cannot enforce anything.
  ownerMfa: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  // Members without MFA are what enforcement acts on: a little over half of them.
  members: fc.array(fc.record({ role, mfa: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 3, arbitrary: fc.constant(false) }) }), { minLength: 1, maxLength: 4 }),
  enforce: fc.option(
    fc.record({
      mode: fc.constantFrom<'refuse' | 'block' | 'remove'>('refuse', 'block', 'remove', 'remove'),
      graceDays: fc.option(fc.constantFrom(1, 7, 30), { nil: null, freq: 2 }),
    }),
    { nil: null, freq: 2 },
  ),
  reinvite: fc.option(role, { nil: null, freq: 3 }),
});

/** Whether the setup's enforcement moves someone to pending as it is switched on (and is not refused). */
function setupMovesToPending(setup: Setup): boolean {
  const withoutMfa = setup.members.filter((member) => !member.mfa);
  return setup.ownerMfa && setup.enforce?.mode === 'remove' && setup.enforce.graceDays === null && withoutMfa.length > 0 && withoutMfa.every((member) => member.role !== 'owner');
}

export function setupOps(setup: Setup): Op[] {
  const ops: Op[] = [];
  if (setup.ownerMfa) ops.push({ kind: 'enroll', user: exactly(0) });
  setup.members.forEach((member, position) => {
    const user = position + 1;
    if (member.mfa) ops.push({ kind: 'enroll', user: exactly(user) });
    ops.push({ kind: 'invite', actor: 0, org: 0, invitee: exactly(user), role: member.role });
    ops.push({ kind: 'accept', user: exactly(user), org: 0, enrollFirst: false });
  });
  if (setup.enforce) {
    // The members joined a day before the owner enforces, as they would have: inviting a member
    // moved to pending again is then not refused as mail sent less than a minute ago.
    ops.push({ kind: 'advance', seconds: DAY });
    ops.push({ kind: 'enforce', actor: 0, org: 0, mode: setup.enforce.mode, graceDays: setup.enforce.mode === 'refuse' ? null : setup.enforce.graceDays });
  }
  // Invitee 0: the first pending member (see the driver's `invite`).
  if (setup.reinvite && setupMovesToPending(setup)) ops.push({ kind: 'invite', actor: 0, org: 0, invitee: 0, role: setup.reinvite });
  return ops;
}
