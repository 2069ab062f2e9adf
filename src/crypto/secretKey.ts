import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The 256-bit key that seals secrets at rest (see secretBox.ts).
 *
 * Either configured (GATEHOUSE_SECRET_KEY, base64 or base64url of 32 bytes), or kept in
 * `<dataDir>/secret.key` and generated on first start. Losing the key makes every sealed TOTP
 * secret unreadable, so an existing key file is never overwritten, even if it looks wrong.
 */

const KEY_BYTES = 32;
const FILE_NAME = 'secret.key';

export function loadSecretKey(options: { dataDir: string; configured?: string }): Uint8Array {
  if (options.configured !== undefined) {
    const key = decodeKey(options.configured);
    if (key === null) throw new Error(`GATEHOUSE_SECRET_KEY must be ${KEY_BYTES} bytes encoded as base64 or base64url`);
    return key;
  }
  return loadOrCreateKeyFile(options.dataDir);
}

function loadOrCreateKeyFile(dataDir: string): Uint8Array {
  const path = join(dataDir, FILE_NAME);
  const existing = readKeyFile(path);
  if (existing !== null) return existing;

  // 0700 / 0600: the key decrypts every user's TOTP secret, so only the service's own user
  // may read it. (mode only applies to directories mkdir creates; an existing one is kept.)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  // Write the complete key to a private temporary file ('wx': never reuse or follow an existing
  // path), then hard-link it into place. link() fails with EEXIST if another process won the
  // race, and unlike opening secret.key itself with 'wx' it never exposes a created-but-still-
  // empty file to a concurrent reader: secret.key appears with its full content or not at all.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${Buffer.from(key).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temporary, path);
    return key;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    // Another process created it first: use theirs, so all processes share one key.
    const winner = readKeyFile(path);
    if (winner === null) throw new Error(`${path} disappeared while it was being created`);
    return winner;
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // A leftover temporary file is owner-only (0600) and harmless; the key is already
      // decided, so this must not turn a successful start into a failed one.
    }
  }
}

/** The key in the file, null if there is no file; throws if the file holds no valid key. */
function readKeyFile(path: string): Uint8Array | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
  const key = decodeKey(text);
  if (key === null) throw new Error(`${path} does not hold a ${KEY_BYTES}-byte base64 key`);
  return key;
}

/** Strict: base64 or base64url (not a mix), optional padding, exactly 32 bytes. */
function decodeKey(text: string): Uint8Array | null {
  const trimmed = text.trim();
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed);
  const isBase64url = /^[A-Za-z0-9_-]+={0,2}$/.test(trimmed);
  if (!isBase64 && !isBase64url) return null;
  const bytes = Buffer.from(trimmed, isBase64 ? 'base64' : 'base64url');
  // 32 bytes are 43 characters unpadded; checking the length too rejects inputs that Buffer
  // would silently truncate.
  if (bytes.length !== KEY_BYTES || trimmed.replace(/=+$/, '').length !== 43) return null;
  return new Uint8Array(bytes);
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
