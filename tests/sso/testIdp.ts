import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Who the next sign-in at the identity provider is, and what it reports about how they signed in. */
export interface IdpLogin {
  sub: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  /** RFC 8176 values for the ID token's `amr`. */
  amr: string[];
  /** Seconds since the epoch for the ID token's `auth_time` (default: now, by the wall clock). */
  authTime?: number;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Sets who the next interaction signs in (each login consumes it). */
  nextLogin(login: IdpLogin): void;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider v9) on a loopback port. Its interactions are not pages:
 * the interaction step signs in the preset account at once, with the `amr` and `auth_time`
 * the test chose (`ts` of the login result becomes `auth_time`), and grants the requested scope.
 */
export async function startTestIdp(options: { redirectUri: string }): Promise<TestIdp> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = `gatehouse-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const accounts = new Map<string, IdpLogin>();
  let pending: IdpLogin | null = null;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    // `amr` and `auth_time` are not in every ID token here: Gatehouse asks for them with the
    // `claims` parameter, which this provider supports (and announces in its discovery document).
    claims: { acr: null, amr: null, auth_time: null, sid: null, openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, email: account.email, email_verified: account.emailVerified ?? true, ...(account.name ? { name: account.name } : {}) }),
      };
    },
  });

  const callback = provider.callback();
  handler = (req, res) => {
    if (!req.url?.startsWith('/interaction/')) {
      callback(req, res);
      return;
    }
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      const login = pending;
      pending = null;
      if (!login) throw new Error('the test did not say who signs in at the identity provider');
      accounts.set(login.sub, login);
      const grant = new provider.Grant({ accountId: login.sub, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: login.sub, amr: login.amr, ts: login.authTime ?? Math.floor(Date.now() / 1000), remember: false }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  };

  return {
    issuer,
    clientId,
    clientSecret,
    nextLogin(login) {
      pending = login;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
