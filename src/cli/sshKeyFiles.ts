import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliFailure } from './cliErrors.ts';

/** The keys `login -f` certifies: config.json's `ssh_keys`, else every `id_*.pub` in the SSH directory. */
export function findPublicKeys(options: { sshDir: string; configured: readonly string[] }): string[] {
  if (options.configured.length > 0) return options.configured.map((path) => publicKeyPath(path));
  let names: string[];
  try {
    names = readdirSync(options.sshDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => /^id_.+\.pub$/.test(name) && !name.endsWith('-cert.pub'))
    .sort()
    .map((name) => join(options.sshDir, name));
}

/** `~/.ssh/id_ed25519` and `~/.ssh/id_ed25519.pub` both name the public half: the private key is never read. */
export function publicKeyPath(path: string): string {
  return path.endsWith('.pub') ? path : `${path}.pub`;
}

export function readPublicKey(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliFailure(`no public key at ${path}: create one with ssh-keygen -t ed25519, or name another key file`);
    }
    throw error;
  }
  return text.trim();
}

/**
 * Where OpenSSH looks for the certificate of `id_ed25519.pub`: `id_ed25519-cert.pub` beside it,
 * picked up with the key and no configuration. With several organizations one key gets one
 * certificate each, `id_ed25519-<org>-cert.pub`, chosen per host with CertificateFile.
 */
export function certificatePath(publicPath: string, org?: string): string {
  const base = publicPath.replace(/\.pub$/, '');
  return org === undefined ? `${base}-cert.pub` : `${base}-${org}-cert.pub`;
}

/** Replaces the certificate file atomically: ssh running at that moment reads the old one or the new one. */
export function writeCertificate(path: string, certificate: string): void {
  if (!existsSync(dirname(path))) throw new CliFailure(`cannot write ${path}: its directory does not exist`);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temp, `${certificate.trim()}\n`, { mode: 0o644 });
  renameSync(temp, path);
}
