/** `2026-05-05T18:00:00.000Z` → `2026-05-05 18:00 UTC`, the way the CLI shows every instant. */
export function shortTime(value: unknown): string {
  const date = typeof value === 'string' || value instanceof Date ? new Date(value) : new Date(Number.NaN);
  return Number.isNaN(date.getTime()) ? String(value) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
