import { COMMON_PASSWORDS } from './commonPasswords.ts';

export type PasswordStrength = 'ok' | 'too_short' | 'common' | 'context_specific';

/** NIST SP 800-63B's minimum for user-chosen passwords. */
export const MIN_PASSWORD_LENGTH = 8;

/** The service's own name: always a context-specific word, whatever GATEHOUSE_ISSUER says. */
export const SERVICE_WORDS: readonly string[] = ['gatehouse'];

/** Shorter words occur by chance in good passwords; matching them would only annoy. */
const MIN_CONTEXT_WORD_LENGTH = 4;

/**
 * The context-specific words of one account (ASVS 5.0 6.1.2 and 6.2.11, NIST SP 800-63B-4
 * §3.1.1.2): the service's name and the configured issuer, the email address, its local part
 * and the labels of its domain — what an attacker who knows whose account it is tries first.
 */
export function passwordContextWords(options: { email: string; issuer: string }): string[] {
  const email = options.email.trim().toLowerCase();
  const [local = '', domain = ''] = email.split('@');
  const words = [...SERVICE_WORDS, options.issuer, email, local, ...local.split(/[._+-]+/), ...domain.split('.').slice(0, -1)];
  return [...new Set(words.map((word) => word.toLowerCase()).filter((word) => [...word].length >= MIN_CONTEXT_WORD_LENGTH))];
}

/**
 * Length plus a blocklist, as NIST SP 800-63B recommends, instead of composition rules
 * (which push users to predictable patterns like "Password1!"). A context word inside the
 * password does not count toward its length: "gatehouse2024" is "2024" to an attacker who
 * knows the service, while a passphrase that happens to contain the word stays allowed.
 */
export function checkPasswordStrength(password: string, options: { contextWords?: readonly string[] } = {}): PasswordStrength {
  // Count Unicode code points, not UTF-16 units: an emoji is one character to the user, and
  // counting it as two would let 4 emoji pass as "8 characters".
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'too_short';
  // Lowercased because "PASSWORD1" or "Sunshine" are just as guessable as the listed forms.
  const lowered = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered) || isRepetitiveOrSequential(lowered)) return 'common';
  for (const word of options.contextWords ?? []) {
    const rest = lowered.split(word.toLowerCase()).join('');
    if (rest.length !== lowered.length && [...rest].length < MIN_PASSWORD_LENGTH) return 'context_specific';
  }
  return 'ok';
}

/**
 * "aaaaaaaa", "abababab", "abcdefgh", "98765432": repetitive or sequential characters, which NIST
 * SP 800-63B-4 names beside breached and dictionary passwords as what a blocklist must catch —
 * the list holds the common ones, this catches every length and alphabet.
 */
function isRepetitiveOrSequential(password: string): boolean {
  const points = [...password].map((char) => char.codePointAt(0)!);
  // A block of one or two characters repeated to the end.
  for (const period of [1, 2]) {
    if (points.every((point, index) => point === points[index % period])) return true;
  }
  // Digits run on round the dial: "7890123" is as sequential as "1234567".
  const isDigit = (point: number): boolean => point >= 48 && point <= 57;
  const stepOf = (from: number, to: number): number => {
    if (!isDigit(from) || !isDigit(to)) return to - from;
    const up = (to - from + 10) % 10;
    return up === 1 ? 1 : up === 9 ? -1 : 0;
  };
  const step = stepOf(points[0]!, points[1]!);
  return (step === 1 || step === -1) && points.every((point, index) => index === 0 || stepOf(points[index - 1]!, point) === step);
}

/** The reason given to the user for a refused password (NIST: say why; never echo the password). */
export function weakPasswordMessage(strength: Exclude<PasswordStrength, 'ok'>): string {
  if (strength === 'too_short') return `use at least ${MIN_PASSWORD_LENGTH} characters`;
  if (strength === 'common') return 'this password is too common';
  return 'this password is built on your email address or the name of this service';
}
