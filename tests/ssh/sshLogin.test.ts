/**
 * End to end against a real OpenSSH sshd (loopback only): a certificate Gatehouse issues must get
 * its holder in, with a terminal, and only where one of its principals is authorized; an expired
 * certificate or one from another CA must not. Fails (never skips) where /usr/sbin/sshd is not
 * installed (Debian: `apt-get install openssh-server`; .ci/run installs it).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Random } from '../../src/core/random.ts';
import { loadOrCreateCaKey } from '../../src/ssh/caKey.ts';
import type { SshCa } from '../../src/ssh/caKey.ts';
import { issueUserCertificate } from '../../src/ssh/issueCertificate.ts';
import type { IssueUserCertificateOptions } from '../../src/ssh/issueCertificate.ts';
import { generateKey, makeTempDir, removeDir, writeLine } from './sshKeygen.ts';
import type { GeneratedKey } from './sshKeygen.ts';
import { requireSshd, runSsh, startSshd } from './sshdHarness.ts';
import type { Sshd, SshResult } from './sshdHarness.ts';

const random: Random = { bytes: (length) => new Uint8Array(length).fill(3) };
const HOUR_MS = 3_600_000;

describe('logging in to OpenSSH sshd with an issued certificate', () => {
  let dir: string;
  let ca: SshCa;
  let userKey: GeneratedKey;
  let sshd: Sshd;
  let serial = 0n;
  const started: Sshd[] = [];

  beforeAll(async () => {
    requireSshd();
    dir = await makeTempDir('ssh-login');
    ca = loadOrCreateCaKey({ dataDir: join(dir, 'data') });
    userKey = await generateKey(dir, 'id_ed25519', { type: 'ed25519' });
    sshd = await startSshd({ trustedUserCaKeys: ca.publicKeyOpenSsh, authorizedPrincipals: { file: ['acme'] } });
    started.push(sshd);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
    await removeDir(dir);
  });

  /** Issues a certificate for the user key (now, 8 h, principal `acme` unless overridden) and writes it. */
  async function certificateFile(overrides: Partial<IssueUserCertificateOptions> = {}): Promise<string> {
    const { certificate } = issueUserCertificate({
      ca,
      publicKey: userKey.publicKey,
      keyId: 'usr_7k2q alice@example.com',
      principals: ['acme'],
      now: new Date(),
      serial: ++serial,
      random,
      ...overrides,
    });
    return writeLine(join(dir, `cert-${serial}-cert.pub`), certificate);
  }

  async function login(server: Sshd, certificate: string, options: { forcePty?: boolean } = {}): Promise<SshResult> {
    const command = options.forcePty === true ? 'tty' : 'echo ok';
    return runSsh(server, { identityFile: userKey.privatePath, certificateFile: certificate, command, ...options });
  }

  it('lets in a certificate whose principal is authorized, and sshd logs its key id', async () => {
    const result = await login(sshd, await certificateFile());
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect(sshd.log()).toContain(`Accepted certificate ID "usr_7k2q alice@example.com" (serial ${serial})`);
  });

  it('gives an interactive session a terminal (the certificate carries permit-pty)', async () => {
    const result = await login(sshd, await certificateFile(), { forcePty: true });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n$/);
  });

  it('refuses a certificate whose principals are not authorized on the server', async () => {
    const result = await login(sshd, await certificateFile({ principals: ['other-org', 'usr_7k2q'] }));
    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe('');
  });

  it('stops letting a certificate in once its principal is no longer authorized', async () => {
    const certificate = await certificateFile();
    await sshd.setAuthorizedPrincipals(['someone-else']);
    try {
      expect((await login(sshd, certificate)).exitCode).toBe(255);
    } finally {
      await sshd.setAuthorizedPrincipals(['acme']);
    }
    expect((await login(sshd, certificate)).exitCode).toBe(0);
  });

  it('refuses an expired certificate', async () => {
    const issuedTwoDaysAgo = new Date(Date.now() - 48 * HOUR_MS);
    const result = await login(sshd, await certificateFile({ now: issuedTwoDaysAgo }));
    expect(result.exitCode).toBe(255);
  });

  it('accepts a certificate issued slightly in the future thanks to the 5-minute backdate (clock skew)', async () => {
    const issuerClockAhead = new Date(Date.now() + 2 * 60_000);
    expect((await login(sshd, await certificateFile({ now: issuerClockAhead }))).exitCode).toBe(0);
  });

  it('refuses a certificate signed by another CA', async () => {
    const otherCa = loadOrCreateCaKey({ dataDir: join(dir, 'other-data') });
    const result = await login(sshd, await certificateFile({ ca: otherCa }));
    expect(result.exitCode).toBe(255);
  });

  it('works with AuthorizedPrincipalsCommand as well', async () => {
    const viaCommand = await startSshd({
      trustedUserCaKeys: ca.publicKeyOpenSsh,
      authorizedPrincipals: { command: '/bin/echo acme' },
    });
    started.push(viaCommand);
    expect((await login(viaCommand, await certificateFile())).exitCode).toBe(0);
    expect((await login(viaCommand, await certificateFile({ principals: ['other-org'] }))).exitCode).toBe(255);
  }, 30_000);
});
