const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * What is wrong with an OpenID issuer URL, or null. Issuers are HTTPS URLs without query or
 * fragment (OpenID Connect Discovery §2). Plain HTTP is accepted on loopback only, and only
 * outside production: it serves development and tests, and refusing it elsewhere keeps an
 * organization admin from pointing the server at plain-HTTP services on its own machine.
 */
export function issuerProblem(issuer: string, options: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not a URL';
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return 'must have no query, fragment or credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname) && !options.production) return null;
  return 'must be an https:// URL';
}
