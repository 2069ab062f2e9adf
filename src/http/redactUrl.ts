/**
 * Request URLs are logged (pino, one line per request); some carry secrets: the invitation token
 * in `POST /v1/invitations/{token}/accept` and the console's `/invitations/{token}` page, the
 * authorization code and state on the single sign-on callback. Logs are kept longer and read by
 * more people than the database, so those parts are replaced before the URL is written.
 */
const SECRET_QUERY_KEYS = new Set(['code', 'state', 'token', 'access_token', 'id_token', 'refresh_token', 'client_secret', 'password', 'secret']);
/** Our bearer-token prefixes (src/core/tokens.ts), wherever one turns up. */
const TOKEN_PATTERN = /g(?:ses|pat|inv)_[^/?#&=;\s]*/gi;
const INVITATION_PATH = /^(\/(?:v1\/)?invitations\/)[^/?#]+/i;
export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  const path = (at === -1 ? url : url.slice(0, at)).replace(INVITATION_PATH, `$1${REDACTED}`).replace(TOKEN_PATTERN, REDACTED);
  if (at === -1) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair.replace(TOKEN_PATTERN, REDACTED);
      let key = pair.slice(0, eq);
      try {
        key = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // A malformed escape is logged as sent; its value is still checked below.
      }
      const value = pair.slice(eq + 1);
      return `${pair.slice(0, eq)}=${SECRET_QUERY_KEYS.has(key.toLowerCase()) ? REDACTED : value.replace(TOKEN_PATTERN, REDACTED)}`;
    })
    .join('&');
  return `${path}?${query}`;
}

/** Fastify's request log fields, with the URL redacted (headers and bodies are never logged). */
export function requestLogFields(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> {
  return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}
