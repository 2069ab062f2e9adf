/**
 * The path to send a browser to after single sign-on, or null when `value` is not a plain
 * same-origin path. Only `/…` is accepted, never `//host` or `/\host` (which browsers read as
 * another origin) nor control characters: an open redirect after sign-in is a phishing tool.
 */
export function sameOriginPath(value: string): string | null {
  if (value.length === 0 || value.length > 512) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  // Resolve against a placeholder origin: whatever the browser would do, it must stay there.
  const resolved = new URL(value, 'https://gatehouse.invalid');
  if (resolved.origin !== 'https://gatehouse.invalid') return null;
  return resolved.pathname + resolved.search + resolved.hash;
}
