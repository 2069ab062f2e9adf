import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Random } from '../core/random.ts';

/**
 * AES-256-GCM for small secrets at rest (TOTP seeds). Sealed form: `v1.<iv>.<ciphertext+tag>`,
 * both parts unpadded base64url. The version prefix leaves room to change algorithm or key
 * without guessing at the format of old rows.
 *
 * `associatedData` is authenticated but not stored: a caller that binds a sealed secret to its
 * row id (e.g. the factor id) makes a ciphertext copied into another row fail to open.
 */

const VERSION = 'v1';
const KEY_BYTES = 32;
/** 96-bit IVs are GCM's native size (no extra GHASH step); random IVs stay safe for far more
 * messages under one key than a TOTP table will ever hold (NIST SP 800-38D: 2^32). */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function sealSecret(options: {
  key: Uint8Array;
  plaintext: string;
  random: Random;
  associatedData?: string;
}): string {
  checkKey(options.key);
  const iv = options.random.bytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new Error('random source returned the wrong number of bytes');
  const cipher = createCipheriv('aes-256-gcm', options.key, iv, { authTagLength: TAG_BYTES });
  if (options.associatedData !== undefined) cipher.setAAD(Buffer.from(options.associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(options.plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${Buffer.from(iv).toString('base64url')}.${ciphertext.toString('base64url')}`;
}

/**
 * Opens what sealSecret produced. Throws a plain Error on anything wrong (malformed, wrong key,
 * tampered, wrong associated data) without saying which, and never with secret material in it.
 */
export function openSecret(options: { key: Uint8Array; sealed: string; associatedData?: string }): string {
  checkKey(options.key);
  const parts = options.sealed.split('.');
  const [version, ivText, bodyText] = parts;
  if (parts.length !== 3 || version !== VERSION || ivText === undefined || bodyText === undefined) throw unopenable();
  // Buffer's base64url decoder skips invalid characters; check the charset so that a mangled
  // value is reported as such rather than decoded into something else.
  if (!BASE64URL.test(ivText) || !BASE64URL.test(bodyText)) throw unopenable();
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw unopenable();

  const decipher = createDecipheriv('aes-256-gcm', options.key, iv, { authTagLength: TAG_BYTES });
  if (options.associatedData !== undefined) decipher.setAAD(Buffer.from(options.associatedData, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  try {
    const plaintext = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
    return plaintext.toString('utf8');
  } catch {
    // final() throws when the tag does not verify; the cause carries nothing useful to a caller.
    throw unopenable();
  }
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new Error(`secret box key must be ${KEY_BYTES} bytes`);
}

function unopenable(): Error {
  return new Error('sealed secret cannot be opened (malformed, tampered, or wrong key)');
}
