import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from './cliErrors.ts';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

type Env = Readonly<Record<string, string | undefined>>;

/** The client side's configuration, read once per command from the environment, flags and config.json. */
export interface ClientSettings {
  readonly homeDir: string;
  /** `$XDG_CONFIG_HOME/gatehouse` (default `~/.config/gatehouse`): credentials.json and config.json. */
  readonly configDir: string;
  /** `--server`, else `GATEHOUSE_SERVER`: what the user asked for on this run, if anything. */
  readonly requestedServer: string | null;
  /** `server` in config.json. */
  readonly configuredServer: string | null;
  /** `ssh_keys` in config.json: public key files to certify instead of `~/.ssh/id_*.pub`. */
  readonly sshKeys: readonly string[];
}

interface ConfigFile {
  server?: unknown;
  ssh_keys?: unknown;
}

export function clientSettings(env: Env, flags: { server?: string | undefined }): ClientSettings {
  const homeDir = env.HOME || homedir();
  const configHome = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homeDir, '.config');
  const configDir = join(configHome, 'gatehouse');
  const file = readConfigFile(join(configDir, 'config.json'));
  const requested = flags.server ?? (env.GATEHOUSE_SERVER || undefined);
  const sshKeys = Array.isArray(file.ssh_keys) ? file.ssh_keys.filter((key): key is string => typeof key === 'string').map((key) => expandHome(key, homeDir)) : [];
  return Object.freeze({
    homeDir,
    configDir,
    requestedServer: requested !== undefined ? normalizeServer(requested) : null,
    configuredServer: typeof file.server === 'string' ? normalizeServer(file.server) : null,
    sshKeys: Object.freeze(sshKeys),
  });
}

/**
 * `https://id.example.com/` → `https://id.example.com`. Plain http is accepted only for loopback
 * addresses: the CLI sends passwords, codes and tokens, which must not cross a network in clear.
 */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`the server must be a URL such as https://gatehouse.example.com, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`the server URL must start with https://, got "${raw}"`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new UsageError(`refusing to send credentials over plain http to ${url.host}: use https://${url.host}`);
  }
  if (url.username || url.password || url.search || url.hash) throw new UsageError('the server URL must not carry credentials, a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as ConfigFile;
  } catch {
    // fall through to the same message
  }
  throw new UsageError(`${path} must be a JSON object, e.g. {"server": "https://gatehouse.example.com", "ssh_keys": ["~/.ssh/id_ed25519.pub"]}`);
}

export function expandHome(path: string, homeDir: string): string {
  if (path === '~') return homeDir;
  if (path.startsWith('~/')) return join(homeDir, path.slice(2));
  return resolve(path);
}
