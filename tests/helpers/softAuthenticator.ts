/**
 * A software WebAuthn authenticator (ES256 on P-256) for HTTP tests: it answers creation options
 * with a `none` attestation and request options with a signed assertion, byte for byte as the
 * spec lays them out (WebAuthn L3 §6.1 authenticator data, §6.5.4 attestation object), so the
 * server's real verification path runs. Overrides let a test forge what an attacker would
 * (another origin, an old counter, someone else's challenge).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export const HARNESS_ORIGIN = 'http://gatehouse.test';
export const HARNESS_RP_ID = 'gatehouse.test';

export interface CeremonyOverrides {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** The counter to report instead of the next one (e.g. an old value, as a cloned authenticator would). */
  signCount?: number;
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

export class SoftAuthenticator {
  /** base64url, as the server stores and lists it. */
  readonly credentialId: string;
  readonly #rawId: Buffer;
  readonly #privateKey: KeyObject;
  readonly #cosePublicKey: Uint8Array;
  readonly #synced: boolean;
  #signCount: number;

  /**
   * `synced: true` behaves like a synced passkey: backup flags set and a counter that stays 0.
   * Otherwise the counter starts at `signCount` and grows by one per assertion.
   */
  constructor(options: { signCount?: number; synced?: boolean } = {}) {
    this.#rawId = randomBytes(16);
    this.credentialId = b64url(this.#rawId);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key (RFC 9053): kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    this.#cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    this.#synced = options.synced === true;
    this.#signCount = this.#synced ? 0 : (options.signCount ?? 0);
  }

  get signCount(): number {
    return this.#signCount;
  }

  #clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, overrides: CeremonyOverrides): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge: overrides.challenge ?? challenge, origin: overrides.origin ?? HARNESS_ORIGIN, crossOrigin: false }));
  }

  #flags(extra: number): number {
    return FLAG_UP | FLAG_UV | (this.#synced ? FLAG_BE | FLAG_BS : 0) | extra;
  }

  /** The RegistrationResponseJSON a browser would send for these creation options. */
  register(options: { challenge: string }, overrides: CeremonyOverrides = {}): Record<string, unknown> {
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, overrides);
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(this.#rawId.length);
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? HARNESS_RP_ID),
      Buffer.from([this.#flags(FLAG_AT)]),
      uint32(overrides.signCount ?? this.#signCount),
      Buffer.alloc(16), // AAGUID: all zero, as for `none` attestation
      credentialIdLength,
      this.#rawId,
      this.#cosePublicKey,
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal', 'hybrid'] },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /** The AuthenticationResponseJSON a browser would send for these request options. */
  assert(options: { challenge: string }, overrides: CeremonyOverrides = {}): Record<string, unknown> {
    if (overrides.signCount === undefined && !this.#synced) this.#signCount += 1;
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, overrides);
    const authenticatorData = Buffer.concat([
      sha256(overrides.rpId ?? HARNESS_RP_ID),
      Buffer.from([this.#flags(0)]),
      uint32(overrides.signCount ?? this.#signCount),
    ]);
    // ECDSA over authenticatorData ‖ SHA-256(clientDataJSON); node:crypto writes the DER form WebAuthn expects.
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.#privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature) },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
