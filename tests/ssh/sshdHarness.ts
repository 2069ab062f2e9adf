import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generateKey, makeTempDir, removeDir } from './sshKeygen.ts';

/**
 * A real OpenSSH sshd for tests, listening on loopback only, configured to accept nothing but
 * certificates from the CA under test (no authorized_keys, no passwords, no PAM). It logs in as the
 * user running the tests; when that is root, PermitRootLogin is turned on for this instance only.
 */

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd'; // sshd re-executes itself, so it must be started by absolute path
const HOST = '127.0.0.1';

export type AuthorizedPrincipals = { file: readonly string[] } | { command: string };

export interface SshdOptions {
  /** Contents of the TrustedUserCAKeys file: the CA public key line(s). */
  trustedUserCaKeys: string;
  /**
   * `file`: the principals written to AuthorizedPrincipalsFile (changeable later).
   * `command`: an AuthorizedPrincipalsCommand line, e.g. `/bin/echo acme`. sshd refuses to run a
   * command in a group- or world-writable directory, so it cannot be a script under /tmp.
   */
  authorizedPrincipals: AuthorizedPrincipals;
}

export interface Sshd {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** A known_hosts file pinning this server's host key, so clients can check it strictly. */
  readonly knownHostsFile: string;
  /** Rewrites AuthorizedPrincipalsFile; sshd reads it on every login. */
  setAuthorizedPrincipals(principals: readonly string[]): Promise<void>;
  /** Everything sshd has logged so far (it runs with -e at LogLevel VERBOSE). */
  log(): string;
  stop(): Promise<void>;
}

export interface SshResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && process.platform !== 'win32';
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  const dir = await makeTempDir('sshd');
  try {
    return await startInDir(dir, options);
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

async function startInDir(dir: string, options: SshdOptions): Promise<Sshd> {
  const user = userInfo().username;
  const hostKey = await generateKey(dir, 'ssh_host_ed25519_key', { type: 'ed25519' });
  const caFile = join(dir, 'trusted_user_ca_keys');
  const principalsFile = join(dir, 'authorized_principals');
  await writeFile(caFile, options.trustedUserCaKeys.endsWith('\n') ? options.trustedUserCaKeys : `${options.trustedUserCaKeys}\n`);
  if ('file' in options.authorizedPrincipals) await writePrincipals(principalsFile, options.authorizedPrincipals.file);

  const principalsLines =
    'file' in options.authorizedPrincipals
      ? [`AuthorizedPrincipalsFile ${principalsFile}`]
      : [`AuthorizedPrincipalsCommand ${options.authorizedPrincipals.command}`, `AuthorizedPrincipalsCommandUser ${user}`];

  // Retry on a port that got taken between choosing it and sshd binding it.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    const configFile = join(dir, 'sshd_config');
    await writeFile(
      configFile,
      [
        `ListenAddress ${HOST}:${port}`, // loopback only: this server lets the test user in
        `HostKey ${hostKey.privatePath}`,
        'PidFile none',
        `TrustedUserCAKeys ${caFile}`,
        ...principalsLines,
        'AuthorizedKeysFile none', // the user's own authorized_keys must not be what lets a test in
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'HostbasedAuthentication no',
        'UsePAM no',
        'StrictModes no',
        `PermitRootLogin ${user === 'root' ? 'yes' : 'no'}`,
        'UseDNS no',
        'PrintMotd no',
        'PrintLastLog no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    await ensurePrivilegeSeparationDir(configFile);

    const started = await launch(configFile, port);
    if (started !== undefined) {
      const knownHostsFile = join(dir, 'known_hosts');
      const hostPublicKey = (await readFile(hostKey.publicPath, 'utf8')).split(' ').slice(0, 2).join(' ');
      await writeFile(knownHostsFile, `[${HOST}]:${port} ${hostPublicKey}\n`);
      return {
        host: HOST,
        port,
        user,
        knownHostsFile,
        setAuthorizedPrincipals: (principals) => writePrincipals(principalsFile, principals),
        log: started.log,
        stop: async () => {
          await stopProcess(started.child);
          await removeDir(dir);
        },
      };
    }
    if (attempt === 3) throw new Error(`sshd did not start on ${HOST}`);
  }
}

/** Connects as the sshd's user with a key and its certificate and runs `command`. Never throws on a refused login. */
export async function runSsh(
  sshd: Sshd,
  options: { identityFile: string; certificateFile: string; command: string; forcePty?: boolean },
): Promise<SshResult> {
  const args = [
    '-F', '/dev/null', // ignore the user's ~/.ssh/config
    '-i', options.identityFile,
    '-o', `CertificateFile=${options.certificateFile}`,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    '-p', String(sshd.port),
    ...(options.forcePty === true ? ['-tt'] : []),
    `${sshd.user}@${sshd.host}`,
    options.command,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

async function writePrincipals(path: string, principals: readonly string[]): Promise<void> {
  await writeFile(path, principals.map((principal) => `${principal}\n`).join(''));
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * When run as root, sshd insists on its compiled-in privilege separation directory (/run/sshd on
 * Debian), which only the system service normally creates. `sshd -t` names it; create it, empty and
 * root-owned as sshd requires.
 */
async function ensurePrivilegeSeparationDir(configFile: string): Promise<void> {
  try {
    await run(SSHD, ['-t', '-f', configFile]);
    return;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const missing = /Missing privilege separation directory: (\/\S+)/.exec(stderr)?.[1];
    if (missing === undefined || process.getuid?.() !== 0) throw new Error(`sshd rejected its configuration: ${stderr}`);
    mkdirSync(missing, { recursive: true, mode: 0o755 });
  }
  await run(SSHD, ['-t', '-f', configFile]);
}

/** Starts sshd in the foreground; resolves once it listens, or to undefined if it exited first. */
async function launch(configFile: string, port: number): Promise<{ child: ChildProcess; log: () => string } | undefined> {
  const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const listening = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(`Server listening on ${HOST} port ${port}.`)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (await listening) return { child, log: () => log };
  await stopProcess(child);
  return undefined;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

/**
 * For beforeAll of tests that need sshd: they fail, never skip, where it is missing, so a machine
 * without OpenSSH cannot pass the suite by leaving the SSH enforcement untested.
 */
export function requireSshd(): void {
  if (!sshdAvailable()) {
    throw new Error(`${SSHD} is missing: these tests need a real OpenSSH server (Debian: apt-get install openssh-server; .ci/run installs it)`);
  }
}
