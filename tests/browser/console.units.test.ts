// Pure pieces of the web console (no browser): CSRF header, problem parsing, redirects, CSV, routing.
import { describe, expect, it } from 'vitest';
import { ApiError, buildHeaders, readCookie, toApiError, withQuery } from '../../web/src/api.ts';
import { toCsv } from '../../web/src/csv.ts';
import { errorForField, fieldErrors, messageFor, orgsOf } from '../../web/src/errors.ts';
import { timeLeft } from '../../web/src/format.ts';
import { matchPath, safeNext } from '../../web/src/router.tsx';
import { unwrapOptions } from '../../web/src/webauthn.ts';

describe('console requests', () => {
  it('mark every request as the console and echo the CSRF cookie only on unsafe methods', () => {
    const cookies = 'theme=dark; gatehouse_csrf=abc123; other=1';
    const get = buildHeaders('GET', false, cookies);
    expect(get.get('X-Gatehouse-Console')).toBe('1');
    expect(get.get('X-CSRF-Token')).toBeNull();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const h = buildHeaders(method, true, cookies);
      expect(h.get('X-CSRF-Token')).toBe('abc123');
      expect(h.get('Content-Type')).toBe('application/json');
    }
  });

  it('prefer the __Host- CSRF cookie used behind HTTPS', () => {
    expect(buildHeaders('POST', false, '__Host-gatehouse_csrf=secure1').get('X-CSRF-Token')).toBe('secure1');
    expect(readCookie('a=1; b=2', 'gatehouse_csrf')).toBeUndefined();
  });

  it('parse problem documents into ApiError with code, status, body and Retry-After', async () => {
    const res = new Response(JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, code: 'would_leave_organizations', organizations: [{ slug: 'acme', name: 'Acme' }] }), {
      status: 409,
      headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '7' },
    });
    const err = await toApiError(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('would_leave_organizations');
    expect(err.status).toBe(409);
    expect(err.retryAfterSeconds).toBe(7);
    expect(orgsOf(err)).toEqual([{ slug: 'acme', name: 'Acme' }]);
  });

  it('survive a non-JSON error body', async () => {
    const err = await toApiError(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(err.code).toBe('http_502');
    expect(messageFor(err)).toMatch(/server/);
  });

  it('drop empty query values', () => {
    expect(withQuery('/v1/x', { mfa: 'enabled', state: undefined, cursor: '' })).toBe('/v1/x?mfa=enabled');
  });
});

describe('error words', () => {
  it('say what mfa_enrollment_required means in plain words', () => {
    const err = new ApiError({ code: 'mfa_enrollment_required', status: 403, body: {} });
    expect(messageFor(err)).toBe('This organization requires two-factor authentication. Enable it in Account security.');
  });

  it('say when the whole server, not an organization, requires two-factor authentication', () => {
    const err = new ApiError({ code: 'mfa_enrollment_required', status: 403, body: { required_by: 'instance' } });
    expect(messageFor(err)).toMatch(/server requires two-factor authentication for every account/);
  });

  it('say why the password must be changed, by its reason', () => {
    const reported = new ApiError({ code: 'password_change_required', status: 403, body: { reason: 'operator' } });
    const blocklisted = new ApiError({ code: 'password_change_required', status: 403, body: { reason: 'blocklist' } });
    expect(messageFor(reported)).toMatch(/administrator reported your password as compromised/);
    expect(messageFor(blocklisted)).toMatch(/breached or easily guessed/);
  });

  it('name the fields of invalid_request, whatever shape the server uses', () => {
    const err = new ApiError({
      code: 'invalid_request',
      status: 400,
      body: { errors: [{ field: 'email', message: 'must be an email' }, { pointer: '#/password', detail: 'too short' }] },
    });
    expect(fieldErrors(err)).toEqual([
      { field: 'email', message: 'must be an email' },
      { field: 'password', message: 'too short' },
    ]);
    expect(errorForField(err, 'password')).toBe('too short');
    const taken = new ApiError({ code: 'email_taken', status: 409, body: {} });
    expect(errorForField(taken, 'email', ['email_taken'])).toMatch(/already exists/);
  });
});

describe('redirects after sign-in', () => {
  it.each([
    ['/orgs/acme/rejoin', '/orgs/acme/rejoin'],
    ['/invitations/tok?x=1', '/invitations/tok?x=1'],
    ['https://evil.example/', '/'],
    ['//evil.example/', '/'],
    ['/\t/evil.example/', '/'],
    ['/\\evil.example/', '/'],
    [null, '/'],
  ])('safeNext(%j) is %j', (input, expected) => {
    expect(safeNext(input)).toBe(expected);
  });
});

describe('routing', () => {
  it('match params and decode them', () => {
    expect(matchPath('/orgs/:slug/members', '/orgs/acme/members')).toEqual({ slug: 'acme' });
    expect(matchPath('/orgs/:slug/members', '/orgs/acme/members/')).toEqual({ slug: 'acme' });
    expect(matchPath('/invitations/:token', '/invitations/a%2Fb')).toEqual({ token: 'a/b' });
    expect(matchPath('/orgs/:slug/members', '/orgs/acme/security')).toBeNull();
  });
});

describe('CSV export', () => {
  it('quotes separators and defuses spreadsheet formulas', () => {
    const csv = toCsv(['email', 'name'], [['a@x.test', 'Doe, Jane'], ['b@x.test', '=HYPERLINK("http://evil")']]);
    expect(csv).toBe('email,name\r\na@x.test,"Doe, Jane"\r\nb@x.test,"\'=HYPERLINK(""http://evil"")"\r\n');
  });
});

describe('grace-period countdown', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  it.each([
    ['2030-01-04T05:00:00Z', '3 days 5 hours left'],
    ['2030-01-01T02:30:00Z', '2 hours 30 minutes left'],
    ['2030-01-01T00:00:20Z', '1 minute left'],
    ['2029-12-31T00:00:00Z', 'ended'],
  ])('until %s: %s', (until, text) => {
    expect(timeLeft(until, now)).toBe(text);
  });
});

describe('passkey options', () => {
  it('accept the options JSON bare or wrapped', () => {
    const options = { challenge: 'abc', rpId: 'localhost' };
    expect(unwrapOptions(options)).toBe(options);
    expect(unwrapOptions({ options })).toBe(options);
    expect(unwrapOptions({ publicKey: options })).toBe(options);
  });
});
