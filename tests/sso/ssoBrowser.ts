import type { Harness } from '../helpers/harness.ts';

export interface Visit {
  url: string;
  status: number;
  location: string | null;
  body: string;
}

const GATEHOUSE_ORIGIN = 'http://gatehouse.test';

function setCookieLines(value: string | string[] | number | undefined): string[] {
  if (value === undefined || typeof value === 'number') return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * A browser for the single sign-on round trip: follows redirects by hand, keeps cookies per
 * origin, talks to the identity provider over the network and to Gatehouse (public URL
 * http://gatehouse.test) through fastify.inject.
 */
export class SsoBrowser {
  readonly #h: Harness;
  readonly #jar = new Map<string, Map<string, string>>();

  constructor(h: Harness) {
    this.#h = h;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#jar.get(origin)?.get(name);
  }

  /** Gatehouse's session cookie: the session token the callback set. */
  get sessionToken(): string | undefined {
    return this.cookie(GATEHOUSE_ORIGIN, 'gatehouse_session');
  }

  forget(origin: string, name: string): void {
    this.#jar.get(origin)?.delete(name);
  }

  async visit(url: string): Promise<Visit> {
    const target = new URL(url);
    const cookies = [...(this.#jar.get(target.origin) ?? new Map<string, string>())].map(([name, value]) => `${name}=${value}`).join('; ');
    if (target.origin === GATEHOUSE_ORIGIN) {
      const response = await this.#h.gatehouse.app.inject({ method: 'GET', url: target.pathname + target.search, headers: cookies ? { cookie: cookies } : {} });
      this.#store(target.origin, setCookieLines(response.headers['set-cookie']));
      return { url, status: response.statusCode, location: (response.headers.location as string | undefined) ?? null, body: response.body };
    }
    const response = await fetch(target, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    this.#store(target.origin, response.headers.getSetCookie());
    return { url, status: response.status, location: response.headers.get('location'), body: await response.text() };
  }

  /**
   * From Gatehouse's login URL through the identity provider and back: returns Gatehouse's
   * answer to the callback (or the first answer that is not a redirect).
   */
  async signIn(slug: string, options: { redirect?: string } = {}): Promise<Visit> {
    let url = `${GATEHOUSE_ORIGIN}/v1/orgs/${slug}/sso/login${options.redirect ? `?redirect=${encodeURIComponent(options.redirect)}` : ''}`;
    for (let hop = 0; hop < 10; hop += 1) {
      const visit = await this.visit(url);
      if (visit.status < 300 || visit.status >= 400 || !visit.location || url.startsWith(`${GATEHOUSE_ORIGIN}/v1/sso/callback`)) return visit;
      url = new URL(visit.location, url).href;
    }
    throw new Error('too many redirects');
  }

  #store(origin: string, lines: string[]): void {
    const jar = this.#jar.get(origin) ?? new Map<string, string>();
    this.#jar.set(origin, jar);
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', raw = ''] = attribute.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(raw) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}
