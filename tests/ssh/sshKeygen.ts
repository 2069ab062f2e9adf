import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Helpers that run the real OpenSSH `ssh-keygen`, so tests check our output against OpenSSH itself. */

const run = promisify(execFile);

export interface GeneratedKey {
  privatePath: string;
  publicPath: string;
  /** Contents of the `.pub` file (one line, with ssh-keygen's trailing newline). */
  publicKey: string;
}

export async function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `gatehouse-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** `ssh-keygen -t <type> [-b bits] -N '' -f <dir>/<name>` with extra flags appended (e.g. `-m PEM`). */
export async function generateKey(
  dir: string,
  name: string,
  options: { type: string; bits?: number; extraArgs?: string[] },
): Promise<GeneratedKey> {
  const privatePath = join(dir, name);
  const args = ['-q', '-t', options.type, '-N', '', '-C', `${name}@test`, '-f', privatePath];
  if (options.bits !== undefined) args.push('-b', String(options.bits));
  args.push(...(options.extraArgs ?? []));
  await run('ssh-keygen', args);
  const publicPath = `${privatePath}.pub`;
  return { privatePath, publicPath, publicKey: await readFile(publicPath, 'utf8') };
}

/** `ssh-keygen -L -f <file>` in UTC, so validity times read like `Date#toISOString()` up to seconds. */
export async function inspectCertificate(certificatePath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-L', '-f', certificatePath], { env: { ...process.env, TZ: 'UTC' } });
  return stdout;
}

/** The `SHA256:…` fingerprint that `ssh-keygen -lf` prints for a public key file. */
export async function fingerprintOf(publicKeyPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyPath]);
  const fingerprint = stdout.split(' ')[1];
  if (fingerprint === undefined || !fingerprint.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fingerprint;
}

/** Signs `publicKeyPath` with `caPath` the way an operator would, producing `<key>-cert.pub`. */
export async function signWithSshKeygen(caPath: string, publicKeyPath: string, principal: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-s', caPath, '-I', 'test', '-n', principal, '-V', '+1h', publicKeyPath]);
  return publicKeyPath.replace(/\.pub$/, '-cert.pub');
}

export async function writeLine(path: string, line: string): Promise<string> {
  await writeFile(path, `${line}\n`);
  return path;
}

/** `2030-01-02T03:04:05.000Z` → `2030-01-02T03:04:05`, the form `ssh-keygen -L` prints under TZ=UTC. */
export function sshKeygenTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
