import type { Config } from '../../config.ts';

/** COSE algorithm identifiers (IANA COSE Algorithms registry), as simplewebauthn's COSEALG names them. */
const COSE_ALGORITHM = { EdDSA: -8, ES256: -7, RS256: -257 } as const;

export interface RelyingParty {
  /** The RP ID: credentials are scoped to this host name (and what the browser checks against it). */
  readonly id: string;
  readonly name: string;
  /** The only origin whose clientDataJSON we accept: a page elsewhere cannot use our passkeys. */
  readonly origin: string;
}

/** A WebAuthn challenge is answered within this time, and once. */
export const WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

/**
 * Public key algorithms offered and accepted, in order of preference; the same list on both sides
 * (simplewebauthn's default adds ML-DSA-44 where Node's WebCrypto has it, still experimental).
 */
export const WEBAUTHN_ALGORITHMS: readonly number[] = Object.freeze([COSE_ALGORITHM.EdDSA, COSE_ALGORITHM.ES256, COSE_ALGORITHM.RS256]);

/** The relying party Gatehouse presents, derived from GATEHOUSE_PUBLIC_URL and GATEHOUSE_ISSUER. */
export function relyingParty(config: Config): RelyingParty {
  const url = new URL(config.publicUrl);
  return { id: url.hostname, name: config.issuer, origin: url.origin };
}
