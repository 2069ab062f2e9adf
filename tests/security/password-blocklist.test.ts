/**
 * Threat: targeted guessing. An attacker who knows whose account it is (the email address) and
 * where it lives (Gatehouse) tries "gatehouse2025" or "alice.smith!!" before any dictionary, and
 * every guesser tries "aaaaaaaa" and "12345678". Rule (ASVS 5.0 6.1.2, 6.2.4 and 6.2.11; NIST SP
 * 800-63B-4 §3.1.1.2 blocklist): besides the 10,000 most common breached passwords, a password
 * built on a context-specific word, or made of repetitive or sequential characters, is refused
 * (400 weak_password) at sign-up and at a password change. The context words: the service name
 * "gatehouse", GATEHOUSE_ISSUER, the email, its local part and the parts of it, and its domain's
 * labels but the last — each only when at least 4 characters; a word inside a password does not
 * count toward the 8-character minimum (a long passphrase that contains one stays allowed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPasswordStrength, passwordContextWords } from '../../src/core/passwordPolicy.ts';
import { call } from '../helpers/client.ts';
import { PASSWORD, signUp } from '../helpers/flows.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEHOUSE_ISSUER: 'Acme Identity' } });
});
afterAll(async () => {
  await h?.close();
});

describe('the rule', () => {
  const words = passwordContextWords({ email: 'alice.smith@widgets.example', issuer: 'Acme Identity' });

  it('derives the words from the service, the issuer and the email address', () => {
    expect(words).toEqual(expect.arrayContaining(['gatehouse', 'acme identity', 'alice.smith@widgets.example', 'alice.smith', 'alice', 'smith', 'widgets']));
    // The top-level domain is no clue to anyone.
    expect(words).not.toContain('example');
    expect(words.every((word) => word.length >= 4)).toBe(true);
  });

  it.each(['gatehouse2025', 'GateHouse!!', 'alice.smith1', 'Widgets#2024', 'acme identity1', 'smith123', 'alice.smith@widgets.example'])('refuses %s', (password) => {
    expect(checkPasswordStrength(password, { contextWords: words })).toBe('context_specific');
  });

  it.each(['my gatehouse has a very tall tower', 'correct horse battery staple', 'smithereens of glass'])('allows %s', (password) => {
    expect(checkPasswordStrength(password, { contextWords: words })).toBe('ok');
  });
});

describe('repetitive and sequential characters', () => {
  it.each(['aaaaaaaaaaaa', 'abababababab', 'abcdefghijk', 'zyxwvutsrq', '98765432', '2345678901'.slice(0, 9), 'ßßßßßßßß'])('refuses %s', (password) => {
    expect(checkPasswordStrength(password)).toBe('common');
  });

  it.each(['abcabcabcabc', 'abcdefgh1', 'aaaaaaab', '13579bdf'])('allows %s', (password) => {
    expect(checkPasswordStrength(password)).toBe('ok');
  });
});

describe('over HTTP', () => {
  it.each([
    ['the service name', () => 'Gatehouse2025'],
    ['the issuer', () => 'acme identity!'],
    ['the email local part', (email: string) => `${email.split('@')[0]}!`],
    ['repeated characters', () => 'qqqqqqqqqqqq'],
  ])('400 weak_password at sign-up for a password built on %s', async (_label, password) => {
    const email = `carol.jones.${Math.random().toString(36).slice(2, 8)}@example.test`;
    const response = await call(h, 'POST', '/v1/users', { body: { email, password: password(email) } });
    expect([response.status, response.body.code]).toEqual([400, 'weak_password']);
    expect((await call(h, 'POST', '/v1/sessions', { body: { email, password: password(email) } })).status).toBe(401);
  });

  it('400 weak_password at a password change for a password built on the email', async () => {
    const user = await signUp(h);
    const local = user.email.split('@')[0]!;
    const response = await call(h, 'PUT', '/v1/me/password', { token: user.token, body: { current_password: PASSWORD, new_password: `${local}2025` } });
    expect([response.status, response.body.code]).toEqual([400, 'weak_password']);
  });
});
