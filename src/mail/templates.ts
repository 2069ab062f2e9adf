import type { Mail } from '../app/transact.ts';

/** Every message has a plain-text part (the one tests and careful readers use) and a simple HTML part. */
function compose(kind: string, recipient: string, subject: string, paragraphs: string[], link?: { href: string; label: string }): Mail {
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.href}`] : [])].join('\n\n') + '\n';
  const escape = (value: string): string =>
    value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);
  const html =
    paragraphs.map((paragraph) => `<p>${escape(paragraph)}</p>`).join('\n') +
    (link ? `\n<p><a href="${escape(link.href)}">${escape(link.label)}</a></p>` : '');
  return { kind, recipient, subject, text, html };
}

export interface OrgRef {
  slug: string;
  name: string;
}

export function invitationMail(options: { to: string; org: OrgRef; role: string; inviter: string; publicUrl: string; token: string; expiresAt: Date }): Mail {
  return compose(
    'invitation',
    options.to,
    `You are invited to join ${options.org.name} on Gatehouse`,
    [
      `${options.inviter} invited you to join the organization ${options.org.name} (${options.org.slug}) as ${options.role}.`,
      `The invitation expires at ${options.expiresAt.toISOString()}.`,
    ],
    { href: `${options.publicUrl}/invitations/${options.token}`, label: 'Accept the invitation' },
  );
}

export function reminderMail(options: { to: string; org: OrgRef; publicUrl: string; deadline: Date | null }): Mail {
  return compose(
    'mfa_reminder',
    options.to,
    `Reminder: enable two-factor authentication for ${options.org.name}`,
    [
      `The organization ${options.org.name} (${options.org.slug}) asks every member to use two-factor authentication.`,
      ...(options.deadline ? [`Please enable it before ${options.deadline.toISOString()}.`] : []),
      'Add an authenticator app or a passkey on your account security page.',
    ],
    { href: `${options.publicUrl}/account/security`, label: 'Enable two-factor authentication' },
  );
}

export function rejoinMail(options: { to: string; org: OrgRef; publicUrl: string; reinstateUntil: Date }): Mail {
  return compose(
    'mfa_removal',
    options.to,
    'Mandatory: Enable Two-Factor Authentication',
    [
      `The organization ${options.org.name} (${options.org.slug}) requires two-factor authentication, and your membership is on hold until you enable it.`,
      `Enable two-factor authentication and rejoin before ${options.reinstateUntil.toISOString()} to get your access and role back.`,
    ],
    { href: `${options.publicUrl}/orgs/${options.org.slug}/rejoin`, label: 'Enable Two-Factor Authentication' },
  );
}

export function enforcementStoppedMail(options: { to: string; org: OrgRef; actorEmail: string; publicUrl: string }): Mail {
  return compose(
    'mfa_enforcement_stopped',
    options.to,
    `Two-factor authentication is no longer enforced in ${options.org.name}`,
    [
      `${options.actorEmail} stopped enforcing two-factor authentication in ${options.org.name} (${options.org.slug}).`,
      'Members are no longer required to have two-factor authentication set up. Members who were removed for non-compliance stay pending until reinstated.',
    ],
    { href: `${options.publicUrl}/orgs/${options.org.slug}/security`, label: 'Review security settings' },
  );
}

export function factorChangedMail(options: { to: string; change: 'added' | 'removed'; factorType: string; publicUrl: string }): Mail {
  return compose(
    'mfa_factor_changed',
    options.to,
    `A two-factor authentication method was ${options.change} on your account`,
    [
      `A ${options.factorType === 'totp' ? 'authenticator app' : options.factorType === 'webauthn' ? 'passkey' : options.factorType} was ${options.change} on your Gatehouse account.`,
      'If this was not you, sign in, review your account security and change your password.',
    ],
    { href: `${options.publicUrl}/account/security`, label: 'Review account security' },
  );
}

/** Sent on every change of the password (set, changed or removed): the owner learns at once if it was not them. */
export function passwordChangedMail(options: { to: string; change: 'changed' | 'removed'; publicUrl: string }): Mail {
  return compose(
    'password_changed',
    options.to,
    `Your Gatehouse password was ${options.change}`,
    [
      `The password of your Gatehouse account was ${options.change}. Your other sessions were signed out; personal access tokens keep working until you revoke them.`,
      'If this was not you, sign in, review your account security and your tokens, and contact your administrator.',
    ],
    { href: `${options.publicUrl}/account/security`, label: 'Review account security' },
  );
}

/** A recovery code stands in for a lost factor: its use is an account recovery the owner must hear about (NIST SP 800-63B-4). */
export function recoveryCodeUsedMail(options: { to: string; remaining: number; publicUrl: string }): Mail {
  return compose(
    'mfa_recovery_code_used',
    options.to,
    'A recovery code was used to sign in to your Gatehouse account',
    [
      `Someone signed in to your Gatehouse account with one of your recovery codes. You have ${options.remaining} unused recovery code${options.remaining === 1 ? '' : 's'} left.`,
      'If this was not you, sign in, change your password, replace your recovery codes and review your two-factor authentication methods.',
    ],
    { href: `${options.publicUrl}/account/security`, label: 'Review account security' },
  );
}

export function recoveryCodesRegeneratedMail(options: { to: string; publicUrl: string }): Mail {
  return compose(
    'mfa_recovery_codes_regenerated',
    options.to,
    'New recovery codes were created for your Gatehouse account',
    [
      'A new set of recovery codes was created for your Gatehouse account; the previous codes no longer work.',
      'If this was not you, sign in, change your password and review your two-factor authentication methods.',
    ],
    { href: `${options.publicUrl}/account/security`, label: 'Review account security' },
  );
}

/**
 * The password must be changed before the account can be used again (NIST SP 800-63B-4: force a
 * change on evidence of compromise). Sent with the change, so the owner hears of it even when
 * someone else's sign-in found it.
 */
export function passwordCompromisedMail(options: { to: string; reason: 'operator' | 'blocklist'; publicUrl: string }): Mail {
  const why =
    options.reason === 'operator'
      ? 'An administrator of this Gatehouse server reported the password of your account as compromised.'
      : 'The password of your Gatehouse account is on the list of breached or easily guessed passwords that Gatehouse refuses, so others may know or guess it.';
  return compose(
    'password_compromised',
    options.to,
    'Change your Gatehouse password',
    [
      why,
      'Every session of your account was signed out, and its personal access tokens and SSH certificates were revoked. The next time you sign in with your password, Gatehouse will ask you to choose a new one before anything else.',
      'If you did not expect this, change your password now and review your two-factor authentication methods.',
    ],
    { href: `${options.publicUrl}/account/password`, label: 'Change your password' },
  );
}
