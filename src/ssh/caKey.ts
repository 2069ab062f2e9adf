import { generateKeyPairSync } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import sshpk from 'sshpk';
import type { PrivateKey } from 'sshpk';
import { GatehouseError } from '../core/errors.ts';

/** The certificate authority that signs users' SSH keys. */
export interface SshCa {
  readonly privateKey: PrivateKey;
  /** One line, `ssh-ed25519 AAAA… gatehouse-ca`, for sshd's `TrustedUserCAKeys`. */
  readonly publicKeyOpenSsh: string;
}

export const CA_KEY_FILE_NAME = 'ssh_ca_ed25519';
const CA_KEY_COMMENT = 'gatehouse-ca';

/**
 * Loads the CA key from `configuredPath`, or from `<dataDir>/ssh_ca_ed25519`, creating that file
 * with a fresh ed25519 key on first use. Safe when several processes start at once: exactly one
 * key is ever published and every process ends up with it.
 */
export function loadOrCreateCaKey(options: { dataDir: string; configuredPath?: string }): SshCa {
  if (options.configuredPath !== undefined) return readCaKeyFile(options.configuredPath);

  const path = join(options.dataDir, CA_KEY_FILE_NAME);
  // 0700 only applies when we create the directory; an existing data directory keeps its mode.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (!exists(path)) publishNewKey(options.dataDir, path);
  // Winner and losers of a creation race all read the one published file.
  return readCaKeyFile(path);
}

/**
 * Writes a new key to a private temporary file, then link()s it to `path`. link() fails with EEXIST
 * when the name is taken, so it is the atomic "create only if absent" step. Opening `path` itself
 * with `wx` would also pick one winner, but a loser could then read the file before the winner has
 * finished writing it and fail, or worse, cache a truncated key.
 */
function publishNewKey(dataDir: string, path: string): void {
  const tempDir = mkdtempSync(join(dataDir, `.${CA_KEY_FILE_NAME}.tmp-`)); // created 0700
  try {
    const tempPath = join(tempDir, CA_KEY_FILE_NAME);
    const fd = openSync(tempPath, 'wx', 0o600); // 0600: anyone who reads this key can log in anywhere
    try {
      writeSync(fd, generateCaKeyText());
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tempPath, path);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error; // another process published first: use theirs
    }
    // Make the new name durable too: servers trust this key from now on, so losing it in a crash
    // and silently generating another would lock every user out of every server.
    fsyncDirectory(dataDir);
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}

function generateCaKeyText(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  const key = sshpk.parsePrivateKey(pem, 'pem');
  key.comment = CA_KEY_COMMENT;
  return key.toString('openssh');
}

function readCaKeyFile(path: string): SshCa {
  const stat = statSync(path);
  if (!stat.isFile()) throw configError(`SSH CA key ${path} is not a regular file`);
  // Refuse a key others can read, as sshd does for its own keys: it can mint access to every server.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8);
    throw configError(`SSH CA key ${path} is accessible by other users (mode ${mode}); chmod 600 it`);
  }

  let privateKey: PrivateKey;
  try {
    privateKey = sshpk.parsePrivateKey(readFileSync(path), 'auto', { filename: path });
  } catch (cause) {
    throw configError(`SSH CA key ${path} cannot be read (passphrase-protected keys are not supported)`, cause);
  }
  // Only ed25519: sshpk signs certificates with an RSA CA using SHA-1 (`ssh-rsa`), which OpenSSH
  // 8.2+ refuses for CA signatures, so an RSA CA would issue certificates no server accepts.
  if (privateKey.type !== 'ed25519') {
    throw configError(`SSH CA key ${path} is ${privateKey.type}; only ed25519 CA keys are supported`);
  }

  const publicBlob = privateKey.toPublic().toBuffer('rfc4253').toString('base64');
  return Object.freeze({ privateKey, publicKeyOpenSsh: `ssh-ed25519 ${publicBlob} ${CA_KEY_COMMENT}` });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function configError(message: string, cause?: unknown): GatehouseError {
  return new GatehouseError('internal_error', message, { cause });
}
