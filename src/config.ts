import { resolve } from 'node:path';
import { BUILT_IN_PLANS, type Feature, type PlanCatalog } from './core/plans.ts';

/**
 * Configuration is parsed once, here, into a frozen object that the composition root hands to
 * the server, the CLI and the workers. Nothing else reads process.env.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly publicUrl: string;
  readonly defaultPlan: string;
  readonly adminEmails: ReadonlySet<string>;
  readonly testClock: boolean;
  readonly secretKey: string | null;
  readonly reauthMinutes: number;
  readonly sessionIdleSeconds: number;
  readonly sessionAbsoluteSeconds: number;
  readonly mfaPendingSeconds: number;
  readonly invitationDays: number;
  readonly issuer: string;
  readonly logLevel: string;
  readonly production: boolean;
  readonly plans: PlanCatalog;
  readonly sshCaKeyPath: string | null;
  /** Shared secret of the hosts whose sshd asks POST /v1/ssh/authorize; null turns that endpoint off. */
  readonly sshAuthorizeToken: string | null;
  /**
   * Keep the hot path's facts in memory (src/db/accessCache.ts), on by default. Revocation must
   * take effect at once on every instance: the embedded database is one process, and with
   * PostgreSQL a write that changed access facts answers only once every other instance's cache
   * has applied it (src/db/accessBarrier.ts, docs/scaling.md). `off` reads the database on every
   * request; such an instance still holds its writes for the caches of the others.
   */
  readonly accessCache: boolean;
  /**
   * GATEHOUSE_REQUIRE_MFA: every user of the instance needs MFA for everything but enrolling a
   * factor (ASVS 5.0 6.3.3 instance-wide), on top of each organization's own rule. Off by default:
   * the product's model is that each organization's owners decide (docs/decisions.md).
   */
  readonly requireMfa: boolean;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function intVar(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

const FEATURES: readonly Feature[] = ['mfa_enforcement'];

/** GATEHOUSE_PLANS: JSON object of plan name → list of features, replacing the built-in plans. */
function parsePlans(raw: string | undefined): PlanCatalog {
  if (!raw) return BUILT_IN_PLANS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('GATEHOUSE_PLANS must be JSON, e.g. {"free":[],"team":["mfa_enforcement"]}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError('GATEHOUSE_PLANS must be a JSON object');
  const plans: Record<string, readonly Feature[]> = {};
  for (const [name, features] of Object.entries(parsed)) {
    if (!Array.isArray(features) || !features.every((feature) => FEATURES.includes(feature))) {
      throw new ConfigError(`GATEHOUSE_PLANS.${name} must be a list of features from: ${FEATURES.join(', ')}`);
    }
    plans[name] = Object.freeze([...features]);
  }
  return Object.freeze(plans);
}

/** A guessable host token would let anyone probe which certificates are live: ask for 128+ bits. */
function sshAuthorizeToken(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length < 32 || /\s/.test(raw)) {
    throw new ConfigError('GATEHOUSE_SSH_AUTHORIZE_TOKEN must be at least 32 characters without spaces, e.g. `openssl rand -hex 32`');
  }
  return raw;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

export function parseConfig(env: Env, overrides: Partial<Config> = {}): Config {
  const port = intVar(env, 'PORT', 8080, { min: 0, max: 65_535 });
  const host = env.HOST || '127.0.0.1';
  const production = env.NODE_ENV === 'production';
  const testClock = env.GATEHOUSE_TEST_CLOCK === '1';
  // A test clock lets anyone move time (expire grace periods, replay TOTP windows): never in production.
  if (testClock && production) {
    throw new ConfigError('GATEHOUSE_TEST_CLOCK=1 is refused when NODE_ENV=production');
  }
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const publicUrl = (env.GATEHOUSE_PUBLIC_URL || `http://${displayHost}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`GATEHOUSE_PUBLIC_URL must be a URL, got "${publicUrl}"`);
  }
  const config: Config = {
    port,
    host,
    dataDir: resolve(env.GATEHOUSE_DATA_DIR || './.gatehouse'),
    databaseUrl: env.DATABASE_URL || null,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.GATEHOUSE_MAIL_FROM || 'Gatehouse <no-reply@gatehouse.invalid>',
    publicUrl,
    defaultPlan: env.GATEHOUSE_DEFAULT_PLAN || 'team',
    adminEmails: new Set(
      (env.GATEHOUSE_ADMIN_EMAILS ?? '')
        .split(',')
        .map((email) => email.trim().toLowerCase())
        .filter((email) => email !== ''),
    ),
    testClock,
    secretKey: env.GATEHOUSE_SECRET_KEY || null,
    reauthMinutes: intVar(env, 'GATEHOUSE_REAUTH_MINUTES', 15, { min: 1, max: 1440 }),
    // NIST SP 800-63B-4 AAL2: reauthenticate after 1 h idle and at least every 24 h.
    sessionIdleSeconds: intVar(env, 'GATEHOUSE_SESSION_IDLE_SECONDS', 3600, { min: 60, max: 86_400 }),
    sessionAbsoluteSeconds: intVar(env, 'GATEHOUSE_SESSION_ABSOLUTE_SECONDS', 86_400, { min: 300, max: 2_592_000 }),
    mfaPendingSeconds: intVar(env, 'GATEHOUSE_MFA_PENDING_SECONDS', 600, { min: 60, max: 3600 }),
    invitationDays: intVar(env, 'GATEHOUSE_INVITATION_DAYS', 7, { min: 1, max: 90 }),
    issuer: env.GATEHOUSE_ISSUER || 'Gatehouse',
    logLevel: env.LOG_LEVEL || 'info',
    production,
    plans: parsePlans(env.GATEHOUSE_PLANS),
    sshCaKeyPath: env.GATEHOUSE_SSH_CA_KEY || null,
    sshAuthorizeToken: sshAuthorizeToken(env.GATEHOUSE_SSH_AUTHORIZE_TOKEN),
    accessCache: onOff(env, 'GATEHOUSE_ACCESS_CACHE', true),
    requireMfa: onOff(env, 'GATEHOUSE_REQUIRE_MFA', false),
    ...overrides,
  };
  if (!(config.defaultPlan in config.plans)) {
    throw new ConfigError(`GATEHOUSE_DEFAULT_PLAN "${config.defaultPlan}" is not a plan (known: ${Object.keys(config.plans).join(', ')})`);
  }
  return Object.freeze(config);
}
