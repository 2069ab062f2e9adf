import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientSettings } from './clientSettings.ts';
import { CliFailure } from './cliErrors.ts';

/** What `gatehouse login` keeps: the session token is as good as the password and the second factor together. */
export interface StoredCredentials {
  server: string;
  token: string;
  email: string;
}

export function credentialsPath(settings: ClientSettings): string {
  return join(settings.configDir, 'credentials.json');
}

export function readCredentials(settings: ClientSettings): StoredCredentials | null {
  let text: string;
  try {
    text = readFileSync(credentialsPath(settings), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredCredentials>;
    if (typeof parsed.server === 'string' && typeof parsed.token === 'string' && typeof parsed.email === 'string') {
      return { server: parsed.server, token: parsed.token, email: parsed.email };
    }
  } catch {
    // treated as absent below
  }
  return null;
}

/**
 * Writes the file readable by its owner only (0600, in a 0700 directory), replacing any old one
 * atomically: a temporary file created 0600 and renamed, so the token is never briefly readable
 * by others and a crash never leaves half a file.
 */
export function writeCredentials(settings: ClientSettings, credentials: StoredCredentials): string {
  mkdirSync(settings.configDir, { recursive: true, mode: 0o700 });
  chmodSync(settings.configDir, 0o700); // an existing directory may have been created wider
  const path = credentialsPath(settings);
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600); // whatever the umask
  renameSync(temp, path);
  return path;
}

export function removeCredentials(settings: ClientSettings): void {
  rmSync(credentialsPath(settings), { force: true });
}

/**
 * The stored session, for commands that act as the signed-in user. A token is only ever sent to
 * the server that issued it: if this run names another server, the user must sign in there.
 */
export function requireSession(settings: ClientSettings): StoredCredentials {
  const stored = readCredentials(settings);
  if (stored === null) {
    throw new CliFailure(`you are not signed in${settings.requestedServer ? ` to ${settings.requestedServer}` : ''}: run gatehouse login`);
  }
  if (settings.requestedServer !== null && settings.requestedServer !== stored.server) {
    throw new CliFailure(`you are signed in to ${stored.server}, not ${settings.requestedServer}: run gatehouse login --server ${settings.requestedServer}`);
  }
  return stored;
}
