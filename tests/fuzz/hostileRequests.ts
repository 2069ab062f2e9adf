import fc from 'fast-check';
import { baseBody, brokenJson, invalidBody } from './hostileBodies.ts';
import { oddString } from './hostileValues.ts';
import { BODY_METHODS, fillPath, type RouteSpec } from './routeCatalog.ts';

/** Credentials and ids the fuzzer may use: one user whose state is snapshotted, and what they own. */
export interface FuzzContext {
  /** An aal-2 session of the user (owner of `params.slug`). */
  token: string;
  /** A session of the same user still in its MFA step. */
  pendingToken: string;
  /** A session that was signed out. */
  revokedToken: string;
  /** Real values for each path parameter name: the user's org, factor, member, invitation, token ids. */
  params: Record<string, string>;
}

export interface HostileRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What is wrong with it, for the failure message. */
  defects: string[];
  /** The status the defect must get, when nothing checked before it can fail (415 for a wrong media type). */
  expectStatus?: number;
}

type Defect = 'body' | 'brokenJson' | 'contentType' | 'tooLarge' | 'auth' | 'path' | 'query' | 'method';

const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Node parses any token as a method; HEAD is left out because a GET route answers it by design. */
const OTHER_METHODS = [...ROUTED_METHODS, 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE', 'LINK', 'SEARCH'];


const FOREIGN_TOKENS = [
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiYWRtaW4iOnRydWV9.c2lnbmF0dXJl',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c3JfYWRtaW4iLCJhYWwiOjJ9.',
  'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
  'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  'AKIAIOSFODNN7EXAMPLE',
  'gses_',
  'gpat_',
  'ginv_AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'gses_' + 'A'.repeat(8_000),
  'null',
  'undefined',
  '../../etc/passwd',
];

/** Credentials that must not get anyone in: missing, foreign, truncated, tampered, signed out, or stuck in the MFA step. */
function badAuth(route: RouteSpec, context: FuzzContext): fc.Arbitrary<{ headers: Record<string, string>; defect: string }> {
  const unsafe = BODY_METHODS.has(route.method);
  const pendingAllowed = route.path.startsWith('/v1/sessions/current');
  const options: fc.Arbitrary<{ headers: Record<string, string>; defect: string }>[] = [
    fc.constant({ headers: {}, defect: 'no credentials' }),
    fc.constantFrom(...FOREIGN_TOKENS).map((token) => ({ headers: { authorization: `Bearer ${token}` }, defect: `foreign token ${token.slice(0, 12)}` })),
    fc.integer({ min: 1, max: context.token.length - 1 }).map((length) => ({ headers: { authorization: `Bearer ${context.token.slice(0, length)}` }, defect: `token cut to ${length}` })),
    fc.nat({ max: context.token.length - 6 }).map((position) => {
      const index = position + 5;
      const flipped = context.token[index] === 'A' ? 'B' : 'A';
      return { headers: { authorization: `Bearer ${context.token.slice(0, index)}${flipped}${context.token.slice(index + 1)}` }, defect: `token with one character changed` };
    }),
    fc.constantFrom('Basic Zm9vOmJhcg==', 'Bearer', 'Bearer ', `Token ${context.token}`, `Bearer ${context.token} ${context.token}`, `Bearer\t${context.token}x`, `bearer  ${context.token}junk`, `Digest username="a"`).map(
      (value) => ({ headers: { authorization: value }, defect: `authorization header "${value.slice(0, 20)}"` }),
    ),
    fc.constant({ headers: { authorization: `Bearer ${context.revokedToken}` }, defect: 'signed-out session' }),
  ];
  if (!pendingAllowed) options.push(fc.constant({ headers: { authorization: `Bearer ${context.pendingToken}` }, defect: 'session still in its MFA step' }));
  if (unsafe) {
    // A cookie alone on an unsafe method is what a cross-site form sends: it needs the CSRF header.
    options.push(
      fc.constantFrom('', 'wrong', 'a'.repeat(64)).map((csrf) => ({
        headers: { cookie: `gatehouse_session=${context.token}; gatehouse_csrf=right`, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
        defect: `session cookie with ${csrf ? 'a wrong' : 'no'} CSRF token`,
      })),
    );
  }
  return fc.oneof(...options);
}

/**
 * A path parameter no resource has: NUL, bad percent-encoding, RTL, surrogates, 10,000 characters.
 * Pure dot segments (`..`, `%2e%2e`) are left to the raw-socket cases: inject resolves them as a
 * URL would, turning `/v1/orgs/x/..` into the valid `/v1/orgs`, while a real server sees them raw.
 */
const oddSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%00',
    'a%00b',
    '..%2F..%2Fetc%2Fpasswd',
    '...',
    '%2F',
    '%ZZ',
    '%',
    '%ff%fe',
    '%ED%A0%80',
    '%E2%80%AEtxt.exe',
    '%F0%9F%A6%84',
    '%20',
    '%09',
    '%0d%0aX-Injected:%201',
    'null',
    'undefined',
    '-1',
    '0',
    '%5B%5D',
    '%7B%7D',
    "'%3B%20drop%20table%20users%3B--",
    'usr_AAAAAAAAAAAAAAAA',
    'ginv_AAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    'UPPER-CASE',
    '-starts-with-dash',
  ),
  fc.integer({ min: 101, max: 10_000 }).map((length) => 'a'.repeat(length)),
  oddString.filter((text) => text.length > 0).map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'))),
);

function oddPath(route: RouteSpec, context: FuzzContext): fc.Arbitrary<{ url: string; defect: string }> {
  const variants: fc.Arbitrary<{ url: string; defect: string }>[] = [
    fc.tuple(oddSegment, fc.constantFrom('/', '//')).map(([segment, joint]) => ({
      url: `${fillPath(route, context.params)}${joint}${segment}`,
      defect: `path + ${joint}${segment.slice(0, 30)}`,
    })),
  ];
  if (route.pathParams.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...route.pathParams), oddSegment).map(([name, segment]) => ({
        url: fillPath(route, { ...context.params, [name]: segment }),
        defect: `${name} = ${segment.slice(0, 30)}`,
      })),
    );
  }
  return fc.oneof(...variants);
}

function oddQuery(route: RouteSpec): fc.Arbitrary<{ query: string; defect: string }> {
  const names = Object.keys(route.queryParams);
  return fc.oneof(
    fc.tuple(fc.constantFrom('x', 'admin', 'mfa[]', '__proto__', '%00', 'limit%5B%5D'), fc.constantFrom('1', '', '%00', 'a'.repeat(2_000))).map(([name, value]) => ({
      query: `${name}=${value}`,
      defect: `unknown query ${name}`,
    })),
    fc.tuple(fc.constantFrom(...names), fc.constantFrom('%00', 'carrier-pigeon', '-1', '1e99', 'yesterday', '%ZZ', '%ED%A0%80', 'a'.repeat(5_000), '%E2%80%AE', '0x10')).map(
      ([name, value]) => ({ query: `${name}=${value}&${name}x=1`, defect: `query ${name}=${value.slice(0, 20)} and an unknown one` }),
    ),
  );
}

const BAD_CONTENT_TYPES = [
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
  'image/png',
  'application/jsonp',
  'json',
  'application/x-json-stream',
  '*/*',
];

/**
 * Requests that must each be refused with a 4xx problem document and change nothing. Every one
 * carries at least one defect that makes it fail for sure (a body its route's closed schema
 * rejects, a credential that is not one, a path or method no route has…), so that whatever else
 * it carries (odd strings, deep nesting) cannot make it succeed by accident.
 */
export function hostileRequest(routes: readonly RouteSpec[], context: FuzzContext): fc.Arbitrary<HostileRequest> {
  return requestsFor(routes, context).map((request) => Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) }));
}

/** One line for a failure message (a body 10,000 levels deep is not printed). */
export function describeRequest(request: HostileRequest): string {
  return `${request.method} ${request.url.slice(0, 120)} [${request.defects.join('; ')}]`;
}

function requestsFor(routes: readonly RouteSpec[], context: FuzzContext): fc.Arbitrary<HostileRequest> {
  return fc.constantFrom(...routes).chain((route) => {
    const hasBody = BODY_METHODS.has(route.method);
    const defects: Defect[] = ['method', 'path'];
    if (hasBody) defects.push('body', 'body', 'body', 'brokenJson', 'brokenJson', 'contentType', 'tooLarge');
    if (route.authenticated) defects.push('auth', 'auth');
    if (Object.keys(route.queryParams).length > 0) defects.push('query', 'query');
    const headers: Record<string, string> = route.authenticated ? { authorization: `Bearer ${context.token}` } : {};
    return fc.tuple(fc.constantFrom(...defects), invalidBody(route)).chain(([defect, body]) => {
      // Unless the defect is the body's, a body-carrying request still gets an invalid body:
      // a route the defect fails to stop must still refuse it.
      const base: HostileRequest = {
        method: route.method,
        url: fillPath(route, context.params),
        headers: hasBody ? { ...headers, 'content-type': 'application/json' } : headers,
        ...(hasBody ? { payload: body.payload } : {}),
        defects: hasBody ? [body.defect] : [],
      };
      switch (defect) {
        case 'body':
          return fc.constant(base);
        case 'brokenJson':
          return brokenJson(route).map((broken) => ({ ...base, payload: broken.payload, defects: [broken.defect] }));
        case 'contentType':
          return fc.constantFrom(...BAD_CONTENT_TYPES).map((type) => ({
            ...base,
            headers: { ...base.headers, 'content-type': type },
            defects: [`content type ${type}`, ...base.defects],
            // Routing and credentials are fine, so the media type is what gets refused.
            ...(route.userAuth || !route.authenticated ? { expectStatus: 415 } : {}),
          }));
        case 'tooLarge':
          return fc.tuple(fc.integer({ min: 65 * 1024, max: 1024 * 1024 }), oddString).map(([size, odd]) => ({
            ...base,
            payload: JSON.stringify({ ...baseBody(route), fuzz: (odd || 'x').repeat(Math.ceil(size / Math.max(1, (odd || 'x').length))).slice(0, size) }),
            defects: [`body of ${size} characters`],
          }));
        case 'auth':
          return badAuth(route, context).map((auth) => {
            const { authorization: _valid, ...rest } = base.headers;
            return { ...base, headers: { ...rest, ...auth.headers }, defects: [auth.defect, ...base.defects] };
          });
        case 'path':
          return oddPath(route, context).map((path) => ({ ...base, url: path.url, defects: [path.defect, ...base.defects] }));
        case 'query':
          return oddQuery(route).map((query) => ({ ...base, url: `${base.url}?${query.query}`, defects: [query.defect, ...base.defects] }));
        case 'method': {
          const taken = new Set(routes.filter((other) => other.path === route.path).map((other) => other.method));
          if (taken.has('GET')) taken.add('HEAD');
          const free = OTHER_METHODS.filter((method) => !taken.has(method));
          return fc.constantFrom(...free).map((method) => ({ ...base, method, defects: [`method ${method}`, ...base.defects] }));
        }
      }
    });
  });
}
