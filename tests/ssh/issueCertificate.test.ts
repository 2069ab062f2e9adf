/**
 * What sshd will enforce comes only from the signed certificate, so each property the contract
 * promises (user certificate, key id naming the user, principals, a window of now-5min..now+8h and
 * never more than 24 h, signed by our CA) is read back with the real `ssh-keygen -L`, which also
 * verifies the CA signature while parsing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGatehouseError } from '../../src/core/errors.ts';
import type { Random } from '../../src/core/random.ts';
import { loadOrCreateCaKey } from '../../src/ssh/caKey.ts';
import type { SshCa } from '../../src/ssh/caKey.ts';
import { issueUserCertificate } from '../../src/ssh/issueCertificate.ts';
import type { IssueUserCertificateOptions } from '../../src/ssh/issueCertificate.ts';
import { fingerprintOf, generateKey, inspectCertificate, makeTempDir, removeDir, sshKeygenTime, writeLine } from './sshKeygen.ts';
import type { GeneratedKey } from './sshKeygen.ts';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const fixedRandom: Random = { bytes: (length) => new Uint8Array(length).fill(9) };

let dir: string;
let ca: SshCa;
let caFingerprint: string;
let ed25519: GeneratedKey;
let ecdsa: GeneratedKey;
let rsa: GeneratedKey;
let certificateCount = 0;

beforeAll(async () => {
  dir = await makeTempDir('ssh-issue');
  ca = loadOrCreateCaKey({ dataDir: join(dir, 'data') });
  caFingerprint = await fingerprintOf(await writeLine(join(dir, 'ca.pub'), ca.publicKeyOpenSsh));
  [ed25519, ecdsa, rsa] = await Promise.all([
    generateKey(dir, 'user_ed25519', { type: 'ed25519' }),
    generateKey(dir, 'user_ecdsa', { type: 'ecdsa', bits: 384 }),
    generateKey(dir, 'user_rsa', { type: 'rsa', bits: 3072 }),
  ]);
}, 60_000);

afterAll(async () => {
  await removeDir(dir);
});

function issue(overrides: Partial<IssueUserCertificateOptions> = {}): ReturnType<typeof issueUserCertificate> {
  return issueUserCertificate({
    ca,
    publicKey: ed25519.publicKey,
    keyId: 'usr_7k2q alice@example.com',
    principals: ['acme', 'usr_7k2q'],
    now: NOW,
    serial: 42n,
    random: fixedRandom,
    ...overrides,
  });
}

/** Writes the certificate to a file and returns `ssh-keygen -L`'s description of it. */
async function inspect(certificate: string): Promise<string> {
  return inspectCertificate(await writeLine(join(dir, `cert-${++certificateCount}-cert.pub`), certificate));
}

function fieldOf(listing: string, name: string): string | undefined {
  return new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(listing)?.[1];
}

function listedUnder(listing: string, heading: string): string[] {
  const lines = listing.split('\n');
  const start = lines.findIndex((line) => line.trim().startsWith(`${heading}:`));
  const values: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s{16}\S/.test(line)) break; // ssh-keygen indents list items deeper than field names
    values.push(line.trim());
  }
  return values;
}

function errorCodeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isGatehouseError(error) ? error.code : `non-GatehouseError: ${String(error)}`;
  }
  return undefined;
}

describe('the certificate as ssh-keygen reads it', () => {
  it('is a user certificate for the caller\'s key, with the key id, principals and serial asked for', async () => {
    const result = issue();
    expect(result.certificate).toMatch(/^ssh-ed25519-cert-v01@openssh\.com [A-Za-z0-9+/]+=*$/);
    const listing = await inspect(result.certificate);
    expect(fieldOf(listing, 'Type')).toBe('ssh-ed25519-cert-v01@openssh.com user certificate');
    expect(fieldOf(listing, 'Public key')).toBe(`ED25519-CERT ${await fingerprintOf(ed25519.publicPath)}`);
    expect(fieldOf(listing, 'Key ID')).toBe('"usr_7k2q alice@example.com"');
    expect(fieldOf(listing, 'Serial')).toBe('42');
    expect(listedUnder(listing, 'Principals')).toEqual(['acme', 'usr_7k2q']);
    expect(result.principals).toEqual(['acme', 'usr_7k2q']);
  });

  it('is signed by the CA whose public key GET /v1/ssh/ca serves', async () => {
    const listing = await inspect(issue().certificate);
    expect(fieldOf(listing, 'Signing CA')).toBe(`ED25519 ${caFingerprint} (using ssh-ed25519)`);
  });

  it('is valid from 5 minutes before now until 8 hours after, in whole seconds', async () => {
    const result = issue();
    expect(result.validAfter.toISOString()).toBe('2030-01-02T02:59:05.000Z');
    expect(result.validBefore.toISOString()).toBe('2030-01-02T11:04:05.000Z');
    const listing = await inspect(result.certificate);
    expect(fieldOf(listing, 'Valid')).toBe(`from ${sshKeygenTime(result.validAfter)} to ${sshKeygenTime(result.validBefore)}`);
  });

  it('caps a 48-hour request at 24 hours', async () => {
    const result = issue({ validSeconds: 48 * 3600 });
    expect(result.validBefore.toISOString()).toBe('2030-01-03T03:04:05.000Z');
    expect(fieldOf(await inspect(result.certificate), 'Valid')).toBe('from 2030-01-02T02:59:05 to 2030-01-03T03:04:05');
  });

  it('honours a shorter lifetime and a different backdate', async () => {
    const result = issue({ validSeconds: 600, backdateSeconds: 0 });
    expect(fieldOf(await inspect(result.certificate), 'Valid')).toBe('from 2030-01-02T03:04:05 to 2030-01-02T03:14:05');
  });

  it('grants a terminal and forwarding but not X11, and sets no critical options', async () => {
    const listing = await inspect(issue().certificate);
    expect(listedUnder(listing, 'Extensions')).toEqual([
      'permit-agent-forwarding',
      'permit-port-forwarding',
      'permit-pty',
      'permit-user-rc',
    ]);
    expect(fieldOf(listing, 'Critical Options')).toBe('(none)');
  });

  it.each([
    ['ecdsa', () => ecdsa, 'ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ECDSA-CERT'],
    ['rsa', () => rsa, 'ssh-rsa-cert-v01@openssh.com', 'RSA-CERT'],
  ])('certifies %s keys too', async (_name, subject, type, keyLabel) => {
    const listing = await inspect(issue({ publicKey: subject().publicKey }).certificate);
    expect(fieldOf(listing, 'Type')).toBe(`${type} user certificate`);
    expect(fieldOf(listing, 'Public key')).toBe(`${keyLabel} ${await fingerprintOf(subject().publicPath)}`);
  });

  it('shows the full unsigned 64-bit serial range', async () => {
    const listing = await inspect(issue({ serial: 2n ** 64n - 1n }).certificate);
    expect(fieldOf(listing, 'Serial')).toBe('18446744073709551615');
  });

  it('is refused by ssh-keygen once a byte of the signature is changed', async () => {
    const blob = Buffer.from(issue().certificate.split(' ')[1] ?? '', 'base64');
    blob[blob.length - 1] = (blob.at(-1) ?? 0) ^ 1;
    await expect(inspect(`ssh-ed25519-cert-v01@openssh.com ${blob.toString('base64')}`)).rejects.toMatchObject({
      stderr: expect.stringMatching(/incorrect signature/),
    });
  });
});

describe('inputs', () => {
  it('is a pure function of its inputs: same nonce, same certificate; another nonce, another one', () => {
    expect(issue().certificate).toBe(issue().certificate);
    const otherRandom: Random = { bytes: (length) => new Uint8Array(length).fill(1) };
    expect(issue({ random: otherRandom }).certificate).not.toBe(issue().certificate);
  });

  it('removes duplicate principals', () => {
    expect(issue({ principals: ['acme', 'acme', 'usr_7k2q'] }).principals).toEqual(['acme', 'usr_7k2q']);
  });

  it('rejects an unacceptable public key with invalid_public_key', async () => {
    const short = await generateKey(dir, 'short_rsa', { type: 'rsa', bits: 1024 });
    expect(errorCodeOf(() => issue({ publicKey: short.publicKey }))).toBe('invalid_public_key');
    expect(errorCodeOf(() => issue({ publicKey: 'not a key' }))).toBe('invalid_public_key');
  });

  it.each([0, -60, Number.NaN, 1.5])('rejects a lifetime of %s seconds with invalid_request', (validSeconds) => {
    expect(errorCodeOf(() => issue({ validSeconds }))).toBe('invalid_request');
  });

  it.each<[string, Partial<IssueUserCertificateOptions>]>([
    // An empty list would be a wildcard for servers trusting the CA through authorized_keys.
    ['no principals', { principals: [] }],
    ['a principal with a space', { principals: ['acme corp'] }],
    ['a principal with a comma', { principals: ['acme,root'] }],
    ['an empty principal', { principals: [''] }],
    ['an empty key id', { keyId: '' }],
    ['a key id with a newline (log injection)', { keyId: 'alice\nAccepted publickey for root' }],
    ['a negative serial', { serial: -1n }],
    ['a serial past 64 bits', { serial: 2n ** 64n }],
    ['a negative backdate', { backdateSeconds: -1 }],
    ['an invalid date', { now: new Date(Number.NaN) }],
  ])('refuses %s (a caller bug) with internal_error', (_name, overrides) => {
    expect(errorCodeOf(() => issue(overrides))).toBe('internal_error');
  });
});
