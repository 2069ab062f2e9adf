/**
 * parseUserPublicKey decides which keys Gatehouse will put its CA signature on. Accepting too much
 * means certifying keys servers reject (DSA, short RSA) or that the user never held (a blob with
 * smuggled bytes); a pasted private key must be refused, not quietly "fixed". Keys come from the
 * real ssh-keygen; a few malformed ones are built by hand in the SSH wire format.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../src/core/errors.ts';
import { parseUserPublicKey } from '../../src/ssh/parsePublicKey.ts';
import { fingerprintOf, generateKey, makeTempDir, removeDir, signWithSshKeygen } from './sshKeygen.ts';
import type { GeneratedKey } from './sshKeygen.ts';

let dir: string;
const keys: Record<string, GeneratedKey> = {};
const privateKeyTexts: Record<string, string> = {};
const dsaPublicKey = generateDsaKeyIfSupported();

beforeAll(async () => {
  dir = await makeTempDir('ssh-parse');
  const specs: Array<[string, { type: string; bits?: number; extraArgs?: string[] }]> = [
    ['ed25519', { type: 'ed25519' }],
    ['ecdsa256', { type: 'ecdsa', bits: 256 }],
    ['ecdsa384', { type: 'ecdsa', bits: 384 }],
    ['ecdsa521', { type: 'ecdsa', bits: 521 }],
    ['rsa2048', { type: 'rsa', bits: 2048 }],
    ['rsa3072', { type: 'rsa', bits: 3072 }],
    ['rsa1024', { type: 'rsa', bits: 1024 }],
    ['rsaPem', { type: 'rsa', bits: 2048, extraArgs: ['-m', 'PEM'] }],
  ];
  await Promise.all(specs.map(async ([name, spec]) => (keys[name] = await generateKey(dir, name, spec))));
  for (const name of ['ed25519', 'rsaPem']) privateKeyTexts[name] = await readFile(key(name).privatePath, 'utf8');
}, 60_000);

afterAll(async () => {
  await removeDir(dir);
});

/** Runs at collection time, so that whether the DSA case exists is known before tests are registered. */
function generateDsaKeyIfSupported(): string | undefined {
  const dsaDir = mkdtempSync(join(tmpdir(), 'gatehouse-ssh-dsa-'));
  try {
    const path = join(dsaDir, 'dsa');
    const result = spawnSync('ssh-keygen', ['-q', '-t', 'dsa', '-N', '', '-f', path]);
    return result.status === 0 ? readFileSync(`${path}.pub`, 'utf8') : undefined;
  } finally {
    rmSync(dsaDir, { recursive: true, force: true });
  }
}

function key(name: string): GeneratedKey {
  const found = keys[name];
  if (found === undefined) throw new Error(`no key ${name}`);
  return found;
}

function errorCodeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isGatehouseError(error) ? error.code : `non-GatehouseError: ${String(error)}`;
  }
  return undefined;
}

/** SSH wire format (RFC 4251): a uint32 length, then the bytes. */
function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** `<algorithm> <base64 of the concatenated parts>`, the shape of a `.pub` line. */
function keyLine(algorithm: string, ...parts: Buffer[]): string {
  return `${algorithm} ${Buffer.concat(parts).toString('base64')}`;
}

function blobOf(line: string): Buffer {
  return Buffer.from(line.trim().split(' ')[1] ?? '', 'base64');
}

describe('accepted keys', () => {
  it.each([
    ['ed25519', 'ed25519'],
    ['ecdsa256', 'ecdsa'],
    ['ecdsa384', 'ecdsa'],
    ['ecdsa521', 'ecdsa'],
    ['rsa2048', 'rsa'],
    ['rsa3072', 'rsa'],
  ])('accepts an ssh-keygen %s key and keeps its fingerprint', async (name, type) => {
    const parsed = parseUserPublicKey(key(name).publicKey);
    expect(parsed.type).toBe(type);
    expect(parsed.fingerprint('sha256').toString()).toBe(await fingerprintOf(key(name).publicPath));
  });

  it('keeps the comment and ignores surrounding whitespace, including CRLF', () => {
    const [algorithm, base64] = key('ed25519').publicKey.trim().split(' ');
    const parsed = parseUserPublicKey(`\r\n  ${algorithm} ${base64}   alice laptop 2024\r\n`);
    expect(parsed.comment).toBe('alice laptop 2024');
  });

  it('accepts a key without a comment', () => {
    const [algorithm, base64] = key('ed25519').publicKey.trim().split(' ');
    expect(parseUserPublicKey(`${algorithm} ${base64}`).type).toBe('ed25519');
  });
});

describe('rejected input: invalid_public_key', () => {
  it.each<[string, () => string]>([
    ['an empty string', () => ''],
    ['only whitespace', () => ' \n\t '],
    ['garbage', () => 'hello world, this is my key'],
    ['base64 without a key type', () => key('ed25519').publicKey.trim().split(' ')[1] ?? ''],
    ['an OpenSSH private key', () => keyFileText('ed25519')],
    ['a PEM RSA private key', () => keyFileText('rsaPem')],
    ['an rsa-1024 key', () => key('rsa1024').publicKey],
    ['two keys pasted together', () => key('ed25519').publicKey + key('rsa3072').publicKey],
    ['an authorized_keys line with options', () => `command="/bin/sh" ${key('ed25519').publicKey}`],
    ['a truncated key', () => key('ed25519').publicKey.slice(0, 40)],
    ['an ed25519 blob labelled ssh-rsa', () => key('ed25519').publicKey.replace(/^ssh-ed25519/, 'ssh-rsa')],
    ['a key blob with bytes appended', () => keyLine('ssh-ed25519', blobOf(key('ed25519').publicKey), sshString('extra'))],
    ['a 31-byte ed25519 key', () => keyLine('ssh-ed25519', sshString('ssh-ed25519'), sshString(Buffer.alloc(31, 7)))],
    ['an ECDSA point that is not on the curve', () => offCurveEcdsaKey()],
    ['a security-key (sk-) key, which sshpk cannot certify', () => securityKey()],
    ['an unknown key type', () => keyLine('ssh-foo', blobOf(key('ed25519').publicKey))],
    ['a line of 10,000 characters', () => `ssh-ed25519 ${'A'.repeat(10_000)}`],
  ])('rejects %s', (_name, input) => {
    expect(errorCodeOf(() => parseUserPublicKey(input()))).toBe('invalid_public_key');
  });

  it('rejects a value that is not a string', () => {
    expect(errorCodeOf(() => parseUserPublicKey(undefined as unknown as string))).toBe('invalid_public_key');
  });

  it('rejects an OpenSSH certificate', async () => {
    const ca = await generateKey(dir, 'someone-elses-ca', { type: 'ed25519' });
    const certificatePath = await signWithSshKeygen(ca.privatePath, key('ed25519').publicPath, 'root');
    const certificate = await readFile(certificatePath, 'utf8');
    expect(certificate).toMatch(/^ssh-ed25519-cert-v01@openssh\.com /);
    expect(errorCodeOf(() => parseUserPublicKey(certificate))).toBe('invalid_public_key');
  });

  // OpenSSH 9.2 can still generate DSA keys; 9.8+ cannot, and then this case is left out (not skipped).
  if (dsaPublicKey !== undefined) {
    const dsa = dsaPublicKey;
    it('rejects a DSA key', () => {
      expect(dsa).toMatch(/^ssh-dss /);
      expect(errorCodeOf(() => parseUserPublicKey(dsa))).toBe('invalid_public_key');
    });
  }
});

function keyFileText(name: string): string {
  const text = privateKeyTexts[name];
  if (text === undefined) throw new Error(`private key ${name} not loaded`);
  return text;
}

function offCurveEcdsaKey(): string {
  const point = Buffer.concat([Buffer.from([0x04]), Buffer.alloc(32, 1), Buffer.alloc(32, 2)]);
  return keyLine('ecdsa-sha2-nistp256', sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point));
}

function securityKey(): string {
  const ed25519Point = blobOf(key('ed25519').publicKey).subarray(-32);
  const algorithm = 'sk-ssh-ed25519@openssh.com';
  return keyLine(algorithm, sshString(algorithm), sshString(ed25519Point), sshString('ssh:'));
}
