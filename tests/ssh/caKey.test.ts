/**
 * The CA private key can mint a login to every server that trusts it. It must be created private
 * (0600 in a 0700 directory), created once (a second key would silently invalidate every server's
 * TrustedUserCAKeys), and the same key must come out of processes that start at the same moment.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../src/core/errors.ts';
import { CA_KEY_FILE_NAME, loadOrCreateCaKey } from '../../src/ssh/caKey.ts';
import { fingerprintOf, generateKey, makeTempDir, removeDir, writeLine } from './sshKeygen.ts';

const run = promisify(execFile);
const caKeyModule = pathToFileURL(join(import.meta.dirname, '../../src/ssh/caKey.ts')).href;

let dir: string;
let dirCount = 0;

beforeAll(async () => {
  dir = await makeTempDir('ssh-ca');
});

afterAll(async () => {
  await removeDir(dir);
});

function freshDataDir(): string {
  return join(dir, `data-${++dirCount}`, 'nested');
}

function errorCodeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isGatehouseError(error) ? error.code : `non-GatehouseError: ${String(error)}`;
  }
  return undefined;
}

/**
 * Starts `count` Node processes (as separate server instances would be) that each load the CA
 * from `dataDir`, released together once all have started so their creation attempts overlap.
 * Resolves to the public key each one ended up with.
 */
async function loadInConcurrentProcesses(dataDir: string, count: number): Promise<string[]> {
  const script = `import { loadOrCreateCaKey } from ${JSON.stringify(caKeyModule)};
process.stdout.write('ready\\n');
process.stdin.once('data', () => {
  process.stdout.write(loadOrCreateCaKey({ dataDir: ${JSON.stringify(dataDir)} }).publicKeyOpenSsh);
  process.exit(0);
});`;
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.startsWith('ready\n')) resolve();
      });
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(stdout.slice('ready\n'.length)) : reject(new Error(`child exited ${code}: ${stderr}`)),
      );
    });
    return { child, ready, done };
  });
  await Promise.all(children.map(({ ready }) => ready));
  for (const { child } of children) child.stdin.write('go\n');
  return Promise.all(children.map(({ done }) => done));
}

describe('created on first use', () => {
  it('writes an OpenSSH ed25519 private key, mode 0600, in a new 0700 directory', async () => {
    const dataDir = freshDataDir();
    const ca = loadOrCreateCaKey({ dataDir });
    const path = join(dataDir, CA_KEY_FILE_NAME);

    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(path, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(readdirSync(dataDir)).toEqual([CA_KEY_FILE_NAME]); // no temporary files left behind
    expect(ca.privateKey.type).toBe('ed25519');
    expect(ca.publicKeyOpenSsh).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+=* gatehouse-ca$/);

    // OpenSSH itself reads the file and derives the public key we serve.
    const { stdout } = await run('ssh-keygen', ['-y', '-f', path]);
    expect(stdout.trim()).toBe(ca.publicKeyOpenSsh);
  });

  it('is reused by the next load, unchanged', () => {
    const dataDir = freshDataDir();
    const first = loadOrCreateCaKey({ dataDir });
    const fileBefore = readFileSync(join(dataDir, CA_KEY_FILE_NAME));
    const second = loadOrCreateCaKey({ dataDir });
    expect(second.publicKeyOpenSsh).toBe(first.publicKeyOpenSsh);
    expect(readFileSync(join(dataDir, CA_KEY_FILE_NAME)).equals(fileBefore)).toBe(true);
  });

  it('yields one key when several processes create it at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      const dataDir = freshDataDir();
      const keys = await loadInConcurrentProcesses(dataDir, 4);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toBe(loadOrCreateCaKey({ dataDir }).publicKeyOpenSsh);
      expect(readdirSync(dataDir)).toEqual([CA_KEY_FILE_NAME]);
    }
  }, 30_000);
});

describe('refusals', () => {
  it('refuses a key file other users can read, as sshd does', () => {
    const dataDir = freshDataDir();
    loadOrCreateCaKey({ dataDir });
    chmodSync(join(dataDir, CA_KEY_FILE_NAME), 0o640);
    expect(errorCodeOf(() => loadOrCreateCaKey({ dataDir }))).toBe('internal_error');
  });

  it('refuses a key file that is not a key', async () => {
    const path = await writeLine(join(dir, 'not-a-key'), 'hello');
    chmodSync(path, 0o600);
    expect(errorCodeOf(() => loadOrCreateCaKey({ dataDir: freshDataDir(), configuredPath: path }))).toBe('internal_error');
  });
});

describe('configuredPath', () => {
  it('loads an existing ssh-keygen ed25519 key instead of creating one', async () => {
    const existing = await generateKey(dir, 'operator_ca', { type: 'ed25519' });
    const dataDir = freshDataDir();
    const ca = loadOrCreateCaKey({ dataDir, configuredPath: existing.privatePath });

    const served = await writeLine(join(dir, 'served-ca.pub'), ca.publicKeyOpenSsh);
    expect(await fingerprintOf(served)).toBe(await fingerprintOf(existing.publicPath));
    expect(ca.publicKeyOpenSsh.endsWith(' gatehouse-ca')).toBe(true);
    expect(() => statSync(dataDir)).toThrow(); // nothing created in the data directory
  });

  it.each([
    // sshpk would sign with SHA-1 (ssh-rsa), which OpenSSH refuses for CA signatures.
    ['rsa', { type: 'rsa', bits: 3072 }],
    ['ecdsa', { type: 'ecdsa', bits: 256 }],
  ])('refuses a %s CA key', async (name, spec) => {
    const existing = await generateKey(dir, `operator_ca_${name}`, spec);
    expect(errorCodeOf(() => loadOrCreateCaKey({ dataDir: freshDataDir(), configuredPath: existing.privatePath }))).toBe(
      'internal_error',
    );
  });

  it('refuses a passphrase-protected key', async () => {
    const existing = await generateKey(dir, 'operator_ca_locked', { type: 'ed25519' });
    await run('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'secret passphrase', '-f', existing.privatePath]);
    expect(errorCodeOf(() => loadOrCreateCaKey({ dataDir: freshDataDir(), configuredPath: existing.privatePath }))).toBe(
      'internal_error',
    );
  });
});
