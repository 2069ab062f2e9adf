import type { NoncompliantAction, RequiredFactor } from '../../types.ts';

/** What each non-compliance mode does, in the words the dialog and the state summary use. */
export const ACTION_TEXT: Record<NoncompliantAction, string> = {
  refuse:
    'Refuse: enforcement can only be turned on once every member has two-factor authentication. Members who turn it off later are moved to pending.',
  block:
    "Block: members without two-factor authentication stay in the organization but can't reach it (console, API, SSH, Git) until they enable it.",
  remove:
    'Remove: members without two-factor authentication are moved to pending. They lose access and notifications and get an email; they can rejoin with their previous role within 90 days after enabling it.',
};

export const ACTION_LABEL: Record<NoncompliantAction, string> = {
  refuse: 'Refuse until everyone has it',
  block: 'Block members without it',
  remove: 'Remove members without it',
};

export const FACTOR_TEXT: Record<RequiredFactor, string> = {
  any: 'Any second factor (authenticator app or passkey)',
  phishing_resistant: 'Phishing-resistant only (passkeys and security keys)',
};

export const SKIP_REASON: Record<string, string> = {
  recently_reminded: 'already reminded in the last hour',
  already_compliant: 'already has two-factor authentication',
  pending: 'membership is pending',
  not_a_member: 'not a member',
};
