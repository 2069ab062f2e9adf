// Display helpers: dates, factor and role names, countdowns.

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDay(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(undefined, { dateStyle: 'long' });
}

const FACTOR_NAMES: Record<string, string> = {
  totp: 'Authenticator app',
  webauthn: 'Passkey',
  passkey: 'Passkey',
  recovery_code: 'Recovery codes',
};

export function factorTypeName(type: string): string {
  return FACTOR_NAMES[type] ?? type;
}

export function roleName(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** "3 days 4 hours left", "45 minutes left", or "ended". */
export function timeLeft(untilIso: string, nowMs: number): string {
  const ms = new Date(untilIso).getTime() - nowMs;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return 'ended';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (days > 0) return `${plural(days, 'day')} ${plural(hours, 'hour')} left`;
  if (hours > 0) return `${plural(hours, 'hour')} ${plural(mins, 'minute')} left`;
  return `${plural(Math.max(mins, 1), 'minute')} left`;
}

/** A person or id as the audit log may give it: an object with email/name/id, or a string. */
export function describeParty(value: unknown, directory: ReadonlyMap<string, string> = new Map()): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return directory.get(value) ?? value;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const key of ['email', 'name', 'slug']) {
      if (typeof v[key] === 'string') return v[key];
    }
    for (const key of ['user_id', 'id']) {
      const id = v[key];
      if (typeof id === 'string') return directory.get(id) ?? id;
    }
  }
  return JSON.stringify(value);
}
