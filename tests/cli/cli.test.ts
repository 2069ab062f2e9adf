/**
 * The `gatehouse` CLI as users run it: a subprocess (the same Node, src/cli/main.ts) with its own
 * HOME and XDG_CONFIG_HOME, against a live `gatehouse serve` process. Answers are piped to stdin
 * (password, then the authentication code), as from a script. Assertions are on exit codes, files
 * and the key fragments of messages (the organization and the URL to act on), not on wording.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { http } from '../helpers/serverProcess.ts';
import {
  liveCreateOrg,
  liveEnforce,
  liveEnrollTotp,
  liveJoin,
  liveMfaUser,
  liveSignUp,
  nextTotpCode,
  LIVE_SERVER_START_MS,
  startLiveServer,
  type LiveServer,
  type LiveUser,
} from '../helpers/liveServer.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
// Each test runs several CLI processes (a Node start each): generous on a loaded machine.
vi.setConfig({ testTimeout: 90_000 });
const HOST_TOKEN = randomBytes(32).toString('hex');
let server: LiveServer;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startLiveServer({ GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN });
}, LIVE_SERVER_START_MS + 10_000);
afterAll(async () => {
  await server?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let slugCounter = 0;
function slug(label: string): string {
  slugCounter += 1;
  return `${label}-${slugCounter}-${randomBytes(3).toString('hex')}`;
}

/** A home directory of its own, with an ed25519 key in ~/.ssh. */
function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-cli-home-'));
  dirs.push(home);
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  sshKeygen(join(home, '.ssh', 'id_ed25519'), 'ed25519');
  return home;
}

function sshKeygen(path: string, type: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', 'cli-test', '-f', path]);
}

/** A loopback port nothing listens on (just released by the OS). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse ARGS` with `input` on stdin (then end of input). */
function gatehouse(home: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GATEHOUSE_SERVER: server.url, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

async function loginWithTotp(home: string, user: LiveUser, extra: string[] = []): Promise<Run> {
  return gatehouse(home, ['login', '--email', user.email, ...extra], { input: `${user.password}\n${await nextTotpCode(user)}\n` });
}

function storedToken(home: string): string {
  return JSON.parse(readFileSync(join(home, '.config', 'gatehouse', 'credentials.json'), 'utf8')).token;
}

function certificateListing(path: string): string {
  return execFileSync('ssh-keygen', ['-L', '-f', path], { encoding: 'utf8' });
}

describe('gatehouse login, whoami, ssh-cert, logout', () => {
  let owner: LiveUser;
  let org: string;
  let home: string;

  beforeAll(async () => {
    owner = await liveMfaUser(server, 'owner');
    org = await liveCreateOrg(server, owner, slug('acme'));
    home = newHome();
  });

  it('login: password then TOTP code from stdin; the token is stored 0600 in a 0700 directory', async () => {
    const run = await loginWithTotp(home, owner);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Authentication code:');
    expect(`${run.stdout}${run.stderr}`).not.toContain(owner.password);
    const dir = join(home, '.config', 'gatehouse');
    const file = join(dir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ server: server.url, email: owner.email, token: expect.stringMatching(/^gses_/) });
    const current = await http(server.url, 'GET', '/v1/sessions/current', { token: storedToken(home) });
    expect([current.status, current.body.session.aal]).toEqual([200, 2]);
  });

  it('whoami: the email, the assurance of the session, and the organizations with access', async () => {
    const run = await gatehouse(home, ['whoami']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(owner.email);
    expect(run.stdout).toContain('aal 2');
    expect(run.stdout).toMatch(new RegExp(`${org} \\(owner\\): ok`));
  });

  it('ssh-cert ORG: writes ~/.ssh/id_ed25519-cert.pub, which ssh-keygen reads as a certificate for the organization', async () => {
    const run = await gatehouse(home, ['ssh-cert', org]);
    expect(run.code, run.stderr).toBe(0);
    const listing = certificateListing(join(home, '.ssh', 'id_ed25519-cert.pub'));
    expect(listing).toContain('user certificate');
    expect(listing).toMatch(new RegExp(`Principals:\\s*\\n\\s*${org}`));
    expect(listing).toContain(owner.email);
  });

  it('ssh-cert ORG KEY: names the key by its private or public path, writes KEY-cert.pub beside it', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-keys-'));
    dirs.push(keyDir);
    sshKeygen(join(keyDir, 'work'), 'ecdsa');
    const run = await gatehouse(home, ['ssh-cert', org, join(keyDir, 'work')]);
    expect(run.code, run.stderr).toBe(0);
    expect(certificateListing(join(keyDir, 'work-cert.pub'))).toContain('ecdsa-sha2-nistp256-cert-v01@openssh.com');
  });

  it('login -f: a fresh sign-in (a recovery code at the prompt) that re-issues a certificate for every key and ends the old session', async () => {
    const oldToken = storedToken(home);
    const sshDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-ssh-'));
    dirs.push(sshDir);
    sshKeygen(join(sshDir, 'id_ed25519'), 'ed25519');
    sshKeygen(join(sshDir, 'id_ecdsa'), 'ecdsa');
    const recovery = owner.recoveryCodes!.shift()!;
    const run = await gatehouse(home, ['login', '-f', '--email', owner.email, '--ssh-dir', sshDir], { input: `${owner.password}\n${recovery}\n` });
    expect(run.code, run.stderr).toBe(0);
    for (const name of ['id_ed25519-cert.pub', 'id_ecdsa-cert.pub']) {
      expect(certificateListing(join(sshDir, name))).toMatch(new RegExp(`Principals:\\s*\\n\\s*${org}`));
    }
    expect(storedToken(home)).not.toBe(oldToken);
    expect((await http(server.url, 'GET', '/v1/sessions/current', { token: oldToken })).status).toBe(401);
  });

  it('logout: ends the session on the server and removes the credentials file; then commands ask for login', async () => {
    const token = storedToken(home);
    const run = await gatehouse(home, ['logout']);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(home, '.config', 'gatehouse', 'credentials.json'))).toBe(false);
    expect((await http(server.url, 'GET', '/v1/sessions/current', { token })).status).toBe(401);
    const whoami = await gatehouse(home, ['whoami']);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain('gatehouse login');
  });
});

describe('refusals, explained', () => {
  it('a member without MFA in an organization enforcing `block`: login warns, ssh-cert and login -f refuse, naming the org and where to enable MFA', async () => {
    const owner = await liveMfaUser(server, 'owner');
    const org = await liveCreateOrg(server, owner, slug('blocked'));
    const member = await liveSignUp(server, 'member');
    await liveJoin(server, owner, org, member);
    await liveEnforce(server, owner, org, 'block');
    const home = newHome();
    const securityUrl = `${server.url}/account/security`;

    const login = await gatehouse(home, ['login', '--email', member.email], { input: `${member.password}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(org);
    expect(login.stderr).toContain(securityUrl);

    const cert = await gatehouse(home, ['ssh-cert', org]);
    expect(cert.code).toBe(1);
    expect(cert.stdout).toBe('');
    expect(cert.stderr).toContain(org);
    expect(cert.stderr).toContain(securityUrl);
    expect(existsSync(join(home, '.ssh', 'id_ed25519-cert.pub'))).toBe(false);

    const refresh = await gatehouse(home, ['login', '-f', '--email', member.email], { input: `${member.password}\n` });
    expect(refresh.code).toBe(1);
    expect(refresh.stderr).toContain(securityUrl);
    expect(existsSync(join(home, '.ssh', 'id_ed25519-cert.pub'))).toBe(false);

    const whoami = await gatehouse(home, ['whoami']);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain(`${org} (member): refused`);
  });

  it('a member moved to pending (`remove`): told until when, and the rejoin URL', async () => {
    const owner = await liveMfaUser(server, 'owner');
    const org = await liveCreateOrg(server, owner, slug('pending'));
    const member = await liveSignUp(server, 'member');
    await liveJoin(server, owner, org, member);
    await liveEnforce(server, owner, org, 'remove');
    const home = newHome();
    expect((await gatehouse(home, ['login', '--email', member.email], { input: `${member.password}\n` })).code).toBe(0);
    const cert = await gatehouse(home, ['ssh-cert', org]);
    expect(cert.code).toBe(1);
    expect(cert.stderr).toContain(`${server.url}/orgs/${org}/rejoin`);
    expect(cert.stderr).toMatch(/pending until \d{4}-\d{2}-\d{2}/);
  });

  it('a session signed in before the second factor existed: sign in again with it (login -f)', async () => {
    const owner = await liveMfaUser(server, 'owner');
    const org = await liveCreateOrg(server, owner, slug('stepup'));
    const member = await liveSignUp(server, 'member');
    await liveJoin(server, owner, org, member);
    const home = newHome();
    expect((await gatehouse(home, ['login', '--email', member.email], { input: `${member.password}\n` })).code).toBe(0);
    await liveEnrollTotp(server, member);
    await liveEnforce(server, owner, org, 'block');
    const cert = await gatehouse(home, ['ssh-cert', org]);
    expect(cert.code).toBe(1);
    expect(cert.stderr).toContain(org);
    expect(cert.stderr).toContain('gatehouse login -f');
    // …and doing so works.
    const refresh = await loginWithTotp(home, member, ['-f']);
    expect(refresh.code, refresh.stderr).toBe(0);
    expect(certificateListing(join(home, '.ssh', 'id_ed25519-cert.pub'))).toContain(org);
  });

  it('wrong password (invalid_credentials), wrong codes (invalid_mfa_code), then too_many_attempts with Retry-After', async () => {
    const user = await liveMfaUser(server, 'guess');
    const home = newHome();
    const wrongPassword = await gatehouse(home, ['login', '--email', user.email], { input: 'not the password\n' });
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toContain('wrong email or password');

    const wrongCodes = await gatehouse(home, ['login', '--email', user.email], { input: `${user.password}\n000000\nnot-a-code\n111111\n` });
    expect(wrongCodes.code).toBe(1);
    expect(wrongCodes.stderr).toContain('not valid');
    expect(existsSync(join(home, '.config', 'gatehouse', 'credentials.json'))).toBe(false);

    // Past the free failures each guess waits longer: 1, 2, 4 … seconds.
    for (let failures = 3; failures < 7; failures += 1) {
      const failed = await http(server.url, 'POST', '/v1/sessions', { body: { email: user.email, password: 'still wrong' } });
      if (failed.status === 429) await sleep(Number(failed.body.retry_after ?? 1) * 1000 + 100);
    }
    const throttled = await gatehouse(home, ['login', '--email', user.email], { input: `${user.password}\n` });
    expect(throttled.code).toBe(1);
    expect(throttled.stderr).toMatch(/too many failed attempts: try again in \d+ seconds/);
  });

  it('not a member (not_found), an unusable key (invalid_public_key), not signed in (unauthenticated)', async () => {
    const user = await liveMfaUser(server, 'stranger');
    const home = newHome();
    expect((await loginWithTotp(home, user)).code).toBe(0);
    const foreign = await gatehouse(home, ['ssh-cert', 'nobody-has-this-org']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('nobody-has-this-org');

    const own = await liveCreateOrg(server, user, slug('own'));
    writeFileSync(join(home, '.ssh', 'bad.pub'), 'ssh-ed25519 AAAAnotakey comment\n');
    const bad = await gatehouse(home, ['ssh-cert', own, join(home, '.ssh', 'bad.pub')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cannot certify');

    // The session is revoked behind the CLI's back.
    await http(server.url, 'DELETE', '/v1/sessions/current', { token: storedToken(home) });
    const expired = await gatehouse(home, ['ssh-cert', own]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain('run gatehouse login');
  });

  it('usage errors exit 2; plain http to a non-loopback server is refused', async () => {
    const home = newHome();
    for (const args of [['ssh-cert'], ['login', '--bogus'], ['no-such-command'], ['ssh-cert', 'Not_A_Slug'], ['ssh', 'principals']]) {
      const run = await gatehouse(home, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
    }
    const insecure = await gatehouse(home, ['login', '--server', 'http://gatehouse.example.com', '--email', 'a@example.test'], { input: 'password\n' });
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain('https://');
  });
});

describe('gatehouse ssh principals (sshd AuthorizedPrincipalsCommand)', () => {
  it('prints the organization for a live certificate; nothing (and exit 1) with a wrong token or no server', async () => {
    const owner = await liveMfaUser(server, 'host');
    const org = await liveCreateOrg(server, owner, slug('hosted'));
    const home = newHome();
    expect((await loginWithTotp(home, owner)).code).toBe(0);
    expect((await gatehouse(home, ['ssh-cert', org])).code).toBe(0);
    const certPath = join(home, '.ssh', 'id_ed25519-cert.pub');
    const serial = /Serial: (\d+)/.exec(certificateListing(certPath))![1]!;
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(home, '.ssh', 'id_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    const tokenFile = join(home, 'host-token');
    writeFileSync(tokenFile, `${HOST_TOKEN}\n`, { mode: 0o600 });

    const allowed = await gatehouse(home, ['ssh', 'principals', '--server', server.url, '--token-file', tokenFile, serial, fingerprint]);
    expect(allowed).toMatchObject({ code: 0, stdout: `${org}\n` });
    const viaEnv = await gatehouse(home, ['ssh', 'principals', serial], { env: { GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN } });
    expect(viaEnv).toMatchObject({ code: 0, stdout: `${org}\n` });

    const otherHost = await gatehouse(home, ['ssh', 'principals', '--token-file', tokenFile, '--principal', 'other-org', serial, fingerprint]);
    expect(otherHost).toMatchObject({ code: 0, stdout: '' });
    const otherKey = await gatehouse(home, ['ssh', 'principals', '--token-file', tokenFile, serial, 'SHA256:somebodyElsesKey']);
    expect(otherKey).toMatchObject({ code: 0, stdout: '' });

    const wrongToken = await gatehouse(home, ['ssh', 'principals', serial], { env: { GATEHOUSE_SSH_AUTHORIZE_TOKEN: 'x'.repeat(64) } });
    expect(wrongToken).toMatchObject({ code: 1, stdout: '' });
    expect(wrongToken.stderr).toContain('host token');
    const noToken = await gatehouse(home, ['ssh', 'principals', serial]);
    expect(noToken).toMatchObject({ code: 1, stdout: '' });
    const noServer = await gatehouse(home, ['ssh', 'principals', '--server', `http://127.0.0.1:${await closedPort()}`, '--token-file', tokenFile, serial]);
    expect(noServer).toMatchObject({ code: 1, stdout: '' });
    expect(noServer.stderr).toContain('cannot reach');
  });
});
