#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../db/dataDirLock.ts';

const USAGE = `usage: gatehouse <command>

server and operators:
  serve                     run the HTTP API, the console and the background jobs
  users unlock EMAIL        clear an account's failed sign-in counter (operators)
  users sign-out EMAIL | --all
                            end a user's sessions and tokens, or every user's sessions (operators)
  users password-compromised EMAIL
                            end everything a user holds; their next sign-in must change the password (operators)
  audit verify [--org SLUG] recompute the audit log's hash chains; exit 1 at the first broken link
  totp-code SECRET          print the current code for a base32 TOTP secret (trying things out)
  ssh principals SERIAL [FINGERPRINT]
                            for sshd's AuthorizedPrincipalsCommand (see docs/ssh.md)

users:
  login [--server URL] [--email EMAIL] [-f]
                            sign in (password, then your code); -f also renews your SSH certificates
  ssh-cert ORG [KEY]        an SSH certificate for KEY (default ~/.ssh/id_ed25519.pub), written as KEY-cert.pub
  whoami                    who you are signed in as, and where you may go
  logout                    sign out and forget the token

The server's configuration comes from the environment; the CLI's from --server, GATEHOUSE_SERVER
and $XDG_CONFIG_HOME/gatehouse/config.json. See docs/ssh.md.
Exit codes: 0 done, 1 refused or failed, 2 wrong usage.`;

// Type-stripped and compiled modules are cached on disk (os.tmpdir()/node-compile-cache, or
// NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a server starts in about half
// the time, and `ssh principals`, run on every SSH connection, starts faster too.
enableCompileCache();
// V8 grows its young generation under allocation bursts (loading every module, then a busy
// server: up to 2 × 16 MB) and keeps it; held at its initial size the server's resident memory
// stays ~30 MB lower, at no measurable cost in throughput (BENCHMARKS.md). Set before any other
// module runs, so that loading them does not grow it either.
setFlagsFromString('--semi-space-growth-factor=1');

type Env = Readonly<Record<string, string | undefined>>;
type Command = (argv: readonly string[], env: Env) => Promise<number>;

/**
 * Each command's module is loaded only when it runs: `ssh principals` runs on every SSH
 * connection and must not pay for loading the server (Fastify, the database drivers).
 */
const CLIENT_COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  login: async () => (await import('./login.ts')).login,
  logout: async () => (await import('./logout.ts')).logout,
  whoami: async () => (await import('./whoami.ts')).whoami,
  'ssh-cert': async () => (await import('./sshCert.ts')).sshCert,
};

async function main(argv: readonly string[], env: Env): Promise<number> {
  const [command] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'ssh' && argv[1] === 'principals') {
    const { sshPrincipals } = await import('./sshPrincipals.ts');
    return sshPrincipals(argv.slice(2), env);
  }
  const client = CLIENT_COMMANDS[command];
  if (client !== undefined) return (await client())(argv.slice(1), env);
  if (command === 'serve') {
    const [{ parseConfig }, { serve }] = await Promise.all([import('../config.ts'), import('./serve.ts')]);
    await serve(parseConfig(env));
    return -1;
  }
  if (command === 'users' && argv[1] === 'sign-out') {
    const [{ parseConfig }, { usersSignOut }] = await Promise.all([import('../config.ts'), import('./usersSignOut.ts')]);
    return usersSignOut(parseConfig(env), argv.slice(2));
  }
  if (command === 'users' && argv[1] === 'password-compromised') {
    const [{ parseConfig }, { usersPasswordCompromised }] = await Promise.all([import('../config.ts'), import('./usersPasswordCompromised.ts')]);
    return usersPasswordCompromised(parseConfig(env), argv.slice(2));
  }
  if (command === 'audit' && argv[1] === 'verify') {
    const [{ parseConfig }, { auditVerify }] = await Promise.all([import('../config.ts'), import('./auditVerify.ts')]);
    return auditVerify(parseConfig(env), argv.slice(2));
  }
  if (command === 'users' && argv[1] === 'unlock' && argv[2]) {
    const [{ parseConfig }, { usersUnlock }] = await Promise.all([import('../config.ts'), import('./usersUnlock.ts')]);
    return usersUnlock(parseConfig(env), argv[2]);
  }
  if (command === 'totp-code' && argv[1]) {
    if (!/^[A-Za-z2-7]{16,}=*$/.test(argv[1])) {
      console.error('gatehouse: the secret must be base32 (A–Z, 2–7), as returned by POST /v1/me/mfa/totp');
      return 2;
    }
    const { totpCode } = await import('../core/totp.ts');
    console.log(totpCode({ secret: argv[1].toUpperCase(), now: new Date() }));
    return 0;
  }
  console.error(`gatehouse: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2), process.env).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof DataDirLockedError) {
      console.error(`gatehouse: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
