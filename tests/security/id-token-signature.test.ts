/**
 * Threat: a forged ID token — unsigned (`alg: none`), signed with the attacker's own key, or
 * replayed into another login — makes Gatehouse sign someone in as anyone the attacker names.
 * Rule (ASVS 5.0 6.8.2; OpenID Connect Core §3.1.3.7): the relying party (src/sso/oidcRelyingParty.ts)
 * accepts an ID token only when it is signed with a key the issuer publishes, for this client,
 * from this issuer, unexpired, and carrying this login's nonce. A hand-made provider on loopback
 * serves each kind of token.
 */
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openidClientRelyingParty, type OidcClientSettings } from '../../src/sso/oidcRelyingParty.ts';

const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CLIENT_ID = 'gatehouse-test';
let server: Server;
let issuer: string;
/** What the token endpoint answers next. */
let nextIdToken = '';

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function jwt(claims: Record<string, unknown>, options: { key?: KeyObject; alg?: string } = {}): string {
  const alg = options.alg ?? 'RS256';
  const head = `${b64({ alg, kid: 'k1', typ: 'JWT' })}.${b64(claims)}`;
  if (alg === 'none') return `${head}.`;
  const signature = createSign('RSA-SHA256').update(head).sign(options.key ?? published.privateKey).toString('base64url');
  return `${head}.${signature}`;
}

function claims(nonce: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer, aud: CLIENT_ID, sub: 'user-1', email: 'ada@example.test', email_verified: true, nonce, iat: now, exp: now + 300, auth_time: now, ...overrides };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const json = (body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      json({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    } else if (req.url === '/jwks') {
      json({ keys: [{ ...published.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }] });
    } else if (req.url === '/token' && req.method === 'POST') {
      req.resume();
      req.on('end', () => json({ access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: nextIdToken }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function exchange(idToken: (nonce: string) => string): Promise<Record<string, unknown>> {
  const settings: OidcClientSettings = { issuer, clientId: CLIENT_ID, clientSecret: 'secret' };
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  nextIdToken = idToken(nonce);
  return openidClientRelyingParty.exchangeCode(settings, {
    callbackUrl: new URL(`http://gatehouse.test/v1/sso/callback?code=abc&state=${state}`),
    codeVerifier: randomBytes(32).toString('base64url'),
    expectedState: state,
    expectedNonce: nonce,
  });
}

it('accepts a token signed with the published key (the provider is sound)', async () => {
  await expect(exchange((nonce) => jwt(claims(nonce)))).resolves.toMatchObject({ sub: 'user-1', email: 'ada@example.test' });
});

it.each([
  ['signed with a key the issuer does not publish', (nonce: string) => jwt(claims(nonce), { key: attacker.privateKey })],
  ['unsigned (alg none)', (nonce: string) => jwt(claims(nonce), { alg: 'none' })],
  ['with its payload changed after signing', (nonce: string) => {
    const [head, , signature] = jwt(claims(nonce)).split('.');
    return `${head}.${b64(claims(nonce, { sub: 'admin' }))}.${signature}`;
  }],
  ['from another issuer', (nonce: string) => jwt(claims(nonce, { iss: 'https://evil.example' }))],
  ['for another client', (nonce: string) => jwt(claims(nonce, { aud: 'someone-else' }))],
  ['expired', (nonce: string) => jwt(claims(nonce, { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }))],
  ['from another login (wrong nonce)', () => jwt(claims('another-nonce'))],
])('refuses a token %s', async (_label, idToken) => {
  await expect(exchange(idToken)).rejects.toThrow();
});
