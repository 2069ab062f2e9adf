import { hash } from 'node:crypto';
import type { Random } from './random.ts';

/** Bearer tokens. The kind is visible in the prefix so a token can be routed to its table. */
export type TokenKind = 'session' | 'pat' | 'invitation';

const PREFIXES: Readonly<Record<TokenKind, string>> = Object.freeze({
  session: 'gses_',
  pat: 'gpat_',
  invitation: 'ginv_',
});

/** 32 bytes in unpadded base64url: ceil(32 * 8 / 6) characters. */
const BODY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Prefix + base64url of 32 random bytes. 256 bits makes guessing hopeless even against many
 * live tokens at once, and the distinctive prefix lets secret scanners spot a leaked token.
 */
export function newToken(random: Random, kind: TokenKind): string {
  return PREFIXES[kind] + Buffer.from(random.bytes(32)).toString('base64url');
}

/**
 * Hex SHA-256 of the whole token: only this is stored, so a database leak yields no usable
 * token. A fast hash is enough for 256 random bits (nothing to brute-force), and looking the
 * token up by its hash means the secret is never compared byte by byte, so there is no
 * timing side channel on it.
 */
export function hashToken(token: string): string {
  // One-shot hash (no Hash object): this runs on every authenticated request.
  return hash('sha256', token, 'hex');
}

/** The kind of a presented bearer token, or null if it cannot be one of ours. */
export function tokenKind(token: string): TokenKind | null {
  for (const kind of Object.keys(PREFIXES) as TokenKind[]) {
    const prefix = PREFIXES[kind];
    if (token.startsWith(prefix)) return BODY_PATTERN.test(token.slice(prefix.length)) ? kind : null;
  }
  return null;
}
