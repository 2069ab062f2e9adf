/**
 * Enforcement on the SSH and Git channels, end to end: a live `gatehouse serve`, a real OpenSSH
 * sshd on loopback trusting its CA and asking `gatehouse ssh principals` at every connection, and
 * the real `ssh` and `git` clients.
 * Threat: SSH and Git stay open to members the organization has shut out (Platform.sh: when MFA is
 * enforced, Git and SSH are closed to members without it), either because they still get
 * certificates or because a certificate outlives the access it was issued for.
 * Rule: certificates are issued only when the access decision allows channel `ssh`, and sshd
 * re-asks that decision at every connection, so a member moved to pending is refused at once.
 * Fails (never skips) where /usr/sbin/sshd is missing.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  liveCreateOrg,
  liveEnforce,
  liveJoin,
  liveMfaUser,
  liveSignUp,
  nextTotpCode,
  LIVE_SERVER_START_MS,
  startLiveServer,
  type LiveServer,
  type LiveUser,
} from '../helpers/liveServer.ts';
import { http } from '../helpers/serverProcess.ts';
import { generateKey, makeTempDir, removeDir, type GeneratedKey } from './sshKeygen.ts';
import { requireSshd, runSsh, startSshd, type Sshd } from './sshdHarness.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const HOST_TOKEN = randomBytes(32).toString('hex');
// Every ssh connection starts `gatehouse ssh principals` (a Node process): generous on a loaded machine.
vi.setConfig({ testTimeout: 120_000 });

let server: LiveServer;
let sshd: Sshd;
let dir: string;
let org: string;
let owner: LiveUser;

beforeAll(async () => {
  requireSshd();
  dir = await makeTempDir('ssh-enforcement');
  server = await startLiveServer({ GATEHOUSE_SSH_AUTHORIZE_TOKEN: HOST_TOKEN });
  owner = await liveMfaUser(server, 'owner');
  org = await liveCreateOrg(server, owner, `e2e-${randomBytes(3).toString('hex')}`);

  // The host token in a 0600 file: sshd runs the command with an almost empty environment.
  const tokenFile = join(dir, 'authorize-token');
  await writeFile(tokenFile, `${HOST_TOKEN}\n`, { mode: 0o600 });
  const ca = await http(server.url, 'GET', '/v1/ssh/ca');
  // sshd runs AuthorizedPrincipalsCommand only from a path whose every directory is root-owned
  // and not group/world-writable; /usr/bin/env is, wherever this checkout and Node live.
  const command = [
    '/usr/bin/env',
    process.execPath,
    MAIN,
    'ssh principals',
    `--server ${server.url}`,
    `--token-file ${tokenFile}`,
    `--principal ${org}`, // this host serves one organization
    '--key-id %i %s %f',
  ].join(' ');
  sshd = await startSshd({ trustedUserCaKeys: ca.body.public_key, authorizedPrincipals: { command } });
}, LIVE_SERVER_START_MS + 60_000);

afterAll(async () => {
  await sshd?.stop();
  await server?.stop();
  if (dir) await removeDir(dir);
});

interface Member {
  user: LiveUser;
  key: GeneratedKey;
  certificateFile: string;
  home: string;
}

/** A user's own HOME with an ed25519 key (as `gatehouse login -f` and ssh expect it). */
async function withKey(user: LiveUser): Promise<Member> {
  const home = join(dir, user.id);
  await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  const key = await generateKey(join(home, '.ssh'), 'id_ed25519', { type: 'ed25519' });
  return { user, key, home, certificateFile: `${key.privatePath}-cert.pub` };
}

/** `gatehouse ARGS` as the user runs it, answers piped to stdin. */
function gatehouse(member: Member, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: member.home, XDG_CONFIG_HOME: join(member.home, '.config'), GATEHOUSE_SERVER: server.url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A certificate straight from the API, written where ssh looks for it. */
async function certificateViaApi(member: Member, slug: string): Promise<{ status: number; body: any }> {
  const issued = await http(server.url, 'POST', `/v1/orgs/${slug}/ssh-certificates`, { token: member.user.token, body: { public_key: member.key.publicKey } });
  if (issued.status === 201) await writeFile(member.certificateFile, `${issued.body.certificate}\n`);
  return issued;
}

function ssh(member: Member, command = 'echo ok') {
  return runSsh(sshd, { identityFile: member.key.privatePath, certificateFile: member.certificateFile, command });
}

/** git over ssh as this member: their key and certificate, sshd's pinned host key, no user config. */
function git(member: Member, args: string[], cwd: string) {
  const sshCommand = [
    'ssh -F /dev/null',
    `-i ${member.key.privatePath}`,
    `-o CertificateFile=${member.certificateFile}`,
    '-o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes',
    `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${sshd.knownHostsFile} -o GlobalKnownHostsFile=/dev/null`,
    '-o LogLevel=ERROR',
  ].join(' ');
  return run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: member.home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_SSH_COMMAND: sshCommand,
      GIT_AUTHOR_NAME: member.user.email,
      GIT_AUTHOR_EMAIL: member.user.email,
      GIT_COMMITTER_NAME: member.user.email,
      GIT_COMMITTER_EMAIL: member.user.email,
    },
  }).then(
    (result) => ({ code: 0, ...result }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

describe('SSH and Git behind the access decision', () => {
  let compliant: Member;
  let laggard: Member;
  let repo: string;
  let repoUrl: string;

  beforeAll(async () => {
    compliant = await withKey(await liveMfaUser(server, 'compliant'));
    await liveJoin(server, owner, org, compliant.user);
    laggard = await withKey(await liveSignUp(server, 'laggard'));
    await liveJoin(server, owner, org, laggard.user);
    repo = join(dir, 'project.git');
    await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', repo]);
    repoUrl = `ssh://${sshd.user}@${sshd.host}:${sshd.port}${repo}`;
  }, 120_000);

  it('a member with MFA signs in with the CLI (password + code), gets a certificate, and runs a command over ssh', async () => {
    const login = await gatehouse(compliant, ['login', '-f', '--email', compliant.user.email], `${compliant.user.password}\n${await nextTotpCode(compliant.user)}\n`);
    expect(login.code, login.stderr).toBe(0);
    const result = await ssh(compliant);
    expect(result, sshd.log()).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect(sshd.log()).toContain(compliant.user.email); // the certificate's key id names the user
  });

  it('…and clones, commits to and pushes a bare repository over ssh', async () => {
    const work = join(dir, 'compliant-clone');
    const clone = await git(compliant, ['clone', '--quiet', repoUrl, work], dir);
    expect(clone.code, clone.stderr).toBe(0);
    await writeFile(join(work, 'README'), 'gatehouse\n');
    expect((await git(compliant, ['add', 'README'], work)).code).toBe(0);
    expect((await git(compliant, ['commit', '--quiet', '-m', 'first commit over ssh'], work)).code).toBe(0);
    const push = await git(compliant, ['push', '--quiet', 'origin', 'HEAD:main'], work);
    expect(push.code, push.stderr).toBe(0);
    const log = await run('git', ['--git-dir', repo, 'log', '--format=%s', 'main']);
    expect(log.stdout).toBe('first commit over ssh\n');
  });

  it('a member of an organization enforcing MFA (`block`) who has none gets no certificate: 403 mfa_enrollment_required', async () => {
    const other = await liveCreateOrg(server, owner, `e2e-block-${randomBytes(3).toString('hex')}`);
    const member = await withKey(await liveSignUp(server, 'blocked'));
    await liveJoin(server, owner, other, member.user);
    await liveEnforce(server, owner, other, 'block');
    const refused = await certificateViaApi(member, other);
    expect([refused.status, refused.body.code]).toEqual([403, 'mfa_enrollment_required']);
  });

  it('a certificate for another organization does not open this host', async () => {
    const other = await liveCreateOrg(server, owner, `e2e-other-${randomBytes(3).toString('hex')}`);
    const ownerMember = await withKey(owner);
    expect((await certificateViaApi(ownerMember, other)).status).toBe(201);
    expect((await ssh(ownerMember)).exitCode).toBe(255);
    expect((await certificateViaApi(ownerMember, org)).status).toBe(201);
    expect((await ssh(ownerMember)).exitCode).toBe(0);
  });

  it('a member moved to pending after getting a certificate is refused at the next ssh connection and the next git fetch', async () => {
    // Before enforcement the member without MFA may have a certificate, and uses it.
    expect((await certificateViaApi(laggard, org)).status).toBe(201);
    expect(await ssh(laggard)).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    const work = join(dir, 'laggard-clone');
    const clone = await git(laggard, ['clone', '--quiet', repoUrl, work], dir);
    expect(clone.code, clone.stderr).toBe(0);

    const enforced = await liveEnforce(server, owner, org, 'remove');
    expect(enforced.pending.map((person: { user_id: string }) => person.user_id)).toEqual([laggard.user.id]);

    // The certificate is still within its validity and signed by the trusted CA: only the
    // connection-time decision can refuse it.
    const refused = await ssh(laggard);
    expect(refused.exitCode).toBe(255);
    expect(refused.stdout).toBe('');
    const fetch = await git(laggard, ['fetch', '--quiet', 'origin'], work);
    expect(fetch.code).not.toBe(0);
    expect(fetch.stderr).toMatch(/Permission denied|Could not read from remote repository/);

    // Members with MFA are unaffected.
    expect(await ssh(compliant)).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    expect((await git(compliant, ['fetch', '--quiet', 'origin'], join(dir, 'compliant-clone'))).code).toBe(0);
  });

  it('the refused member learns why from the CLI: pending, with the rejoin URL', async () => {
    const login = await gatehouse(laggard, ['login', '-f', '--email', laggard.user.email], `${laggard.user.password}\n`);
    expect(login.code).toBe(1);
    expect(login.stderr).toContain(`${server.url}/orgs/${org}/rejoin`);
    const certificate = await readFile(laggard.certificateFile, 'utf8');
    expect(certificate).toMatch(/^ssh-ed25519-cert-v01@openssh\.com /); // the old one is left alone, and useless
  });
});
