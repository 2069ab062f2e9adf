import { createPublicKey } from 'node:crypto';
import sshpk from 'sshpk';
import type { Key } from 'sshpk';
import { GatehouseError } from '../core/errors.ts';

/**
 * Key types we will certify. DSA (`ssh-dss`) is absent on purpose: OpenSSH disabled it by default
 * in 7.0 and removed it in 9.8, so a certificate for it would be refused by the servers anyway.
 * Security-key types (`sk-ssh-ed25519@openssh.com`, `sk-ecdsa-…`) are absent because sshpk cannot
 * parse or certify them; certificates (`…-cert-v01@openssh.com`) are absent because a user must
 * send the bare key, not a certificate someone else signed.
 */
const ACCEPTED_ALGORITHMS: ReadonlySet<string> = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
]);

/** Below 2048 bits RSA is factorable by a determined attacker; above 16384 OpenSSH refuses the key. */
const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16_384;

/** A 16384-bit RSA line is ~2.8 kB; the cap keeps absurd bodies away from base64 and bignum code. */
const MAX_LINE_LENGTH = 8192;

/** `type base64 [comment]` on one line, as in `id_ed25519.pub` or an authorized_keys line without options. */
const PUBLIC_KEY_LINE = /^(\S+)[ \t]+([A-Za-z0-9+/]+={0,2})(?:[ \t]+([^\r\n]*))?$/;

/**
 * Parses one OpenSSH public key line (`ssh-ed25519 AAAA… comment`) that a user asks us to certify.
 * Throws `invalid_public_key` for anything else. The parse is deliberately stricter than sshpk's own
 * `ssh` format, which tolerates garbage around the base64: what we sign must be exactly the key the
 * user holds, so the blob has to decode to one well-formed key and re-encode to the same bytes.
 */
export function parseUserPublicKey(text: string): Key {
  if (typeof text !== 'string') throw invalid('public key must be a string');
  const line = text.trim();
  if (line.length === 0) throw invalid('public key is empty');
  if (line.length > MAX_LINE_LENGTH) throw invalid('public key is too long');
  // Say so explicitly: a pasted private key is the most common mistake, and the user should now
  // consider that key exposed. Never echo any of the input back.
  if (/PRIVATE KEY/.test(line)) throw invalid('this is a private key; send the .pub file instead');

  const match = PUBLIC_KEY_LINE.exec(line);
  if (match === null) throw invalid('not an OpenSSH public key line');
  const algorithm = match[1] ?? '';
  const base64 = match[2] ?? '';
  const comment = match[3] ?? '';

  if (algorithm.includes('-cert-')) throw invalid('certificates are not accepted; send the bare public key');
  if (!ACCEPTED_ALGORITHMS.has(algorithm)) throw invalid('unsupported key type');

  const blob = Buffer.from(base64, 'base64');
  // Node's decoder skips bad padding silently; demand canonical base64 so one key has one spelling.
  if (blob.toString('base64') !== base64) throw invalid('malformed base64');

  let key: Key;
  try {
    key = sshpk.parseKey(blob, 'rfc4253');
  } catch (cause) {
    throw invalid('malformed key', cause);
  }

  // The algorithm named on the line must be the one inside the blob (an `ssh-rsa` label on an
  // ed25519 blob is not a valid key), and the blob must carry nothing but the public key: sshpk
  // silently drops extra (private) parts and re-normalises integers, which the byte comparison catches.
  if (keyAlgorithm(key) !== algorithm) throw invalid('key type does not match the key data');
  if (!key.toBuffer('rfc4253').equals(blob)) throw invalid('non-canonical key encoding');

  checkKeyMaterial(key);
  key.comment = comment;
  return key;
}

function checkKeyMaterial(key: Key): void {
  // Let OpenSSL validate the material itself (an ECDSA point must lie on its curve, an RSA modulus
  // must be a well-formed integer) before we put our signature on it. sshpk's `pkcs8` is SPKI PEM.
  let details;
  try {
    details = createPublicKey({ key: key.toString('pkcs8'), format: 'pem' }).asymmetricKeyDetails;
  } catch (cause) {
    throw invalid('invalid key material', cause);
  }
  if (key.type === 'rsa') {
    const bits = details?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw invalid(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
    if (bits > MAX_RSA_BITS) throw invalid(`RSA keys must have at most ${MAX_RSA_BITS} bits`);
  }
}

function keyAlgorithm(key: Key): string {
  if (key.type === 'ecdsa') return `ecdsa-sha2-${key.curve ?? ''}`;
  if (key.type === 'rsa') return 'ssh-rsa';
  if (key.type === 'ed25519') return 'ssh-ed25519';
  return key.type;
}

function invalid(message: string, cause?: unknown): GatehouseError {
  return new GatehouseError('invalid_public_key', message, { cause });
}
