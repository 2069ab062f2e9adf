import fc from 'fast-check';

export interface RawCase {
  bytes: string | Buffer;
  defect: string;
  /** The status the case must get, when the rule is that precise (431 for oversized headers). */
  status?: number;
}

/** Node's default --max-http-header-size is 16 KiB: anything above is the parser's to refuse. */
const OVER_HEADER_LIMIT = fc.integer({ min: 17 * 1024, max: 96 * 1024 });
const CRLF = '\r\n';

function request(head: string, headers: string[], body = ''): string {
  return `${head}${CRLF}${[...headers, 'Connection: close'].join(CRLF)}${CRLF}${CRLF}${body}`;
}

/**
 * Requests that are broken at the HTTP level, so Node's parser (or the server's own socket
 * handling) answers before Fastify routes anything: oversized headers, broken request lines and
 * header syntax, contradictory framing, a missing Host, CONNECT, HTTP/2 on an HTTP/1 port — and
 * dot segments a real server receives unresolved.
 */
export function rawCase(context: RawContext): fc.Arbitrary<RawCase> {
  return rawCases(context).map((raw) => Object.assign(raw, { [fc.toStringMethod]: () => `${raw.defect}: ${JSON.stringify(String(raw.bytes).slice(0, 100))}` }));
}

export interface RawContext {
  /** A session that may read everything below: a body on GET is what must get it refused. */
  token: string;
  /** An organization the session owns. */
  slug: string;
}

function rawCases(context: RawContext): fc.Arbitrary<RawCase> {
  const auth = `Authorization: Bearer ${context.token}`;
  const readable = ['/v1/orgs', '/v1/me/mfa', '/v1/me/sessions', '/v1/me/tokens', '/v1/sessions/current', `/v1/orgs/${context.slug}`, `/v1/orgs/${context.slug}/members`, '/openapi.json'];
  return fc.oneof(
    OVER_HEADER_LIMIT.map((size) => ({ bytes: request('GET /v1/orgs HTTP/1.1', ['Host: fuzz', `X-Big: ${'a'.repeat(size)}`]), defect: `one header of ${size} bytes`, status: 431 })),
    OVER_HEADER_LIMIT.map((size) => ({ bytes: request(`GET /v1/orgs/${'a'.repeat(size)} HTTP/1.1`, ['Host: fuzz']), defect: `URL of ${size} bytes`, status: 431 })),
    OVER_HEADER_LIMIT.map((size) => ({ bytes: request('POST /v1/users HTTP/1.1', ['Host: fuzz', `Cookie: ${'c=1; '.repeat(size / 5)}`, 'Content-Length: 2'], '{}'), defect: `cookie of ${size} bytes`, status: 431 })),
    fc.integer({ min: 2_500, max: 6_000 }).map((count) => ({
      bytes: request('GET /v1/orgs HTTP/1.1', ['Host: fuzz', ...Array.from({ length: count }, (_, index) => `X-H${index}: value`)]),
      defect: `${count} headers`,
      status: 431,
    })),
    fc.constantFrom(
      ['get /v1/orgs HTTP/1.1', 'lower-case method'],
      ['G\u0000T /v1/orgs HTTP/1.1', 'NUL in the method'],
      ['GET /v1/orgs HTTP/9.9', 'HTTP/9.9'],
      ['GET /v1/orgs HTTP/1', 'truncated version'],
      ['GET /v1/orgs', 'no version'],
      ['GET  /v1/orgs  HTTP/1.1', 'doubled spaces'],
      ['GET /v1/\u0000orgs HTTP/1.1', 'NUL in the path'],
      ['GET /v1/or gs HTTP/1.1', 'space in the path'],
      ['GET /v1/\u007forgs HTTP/1.1', 'DEL in the path'],
      ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000', 'a TLS ClientHello on the plain port'],
      ['PRI * HTTP/2.0', 'the HTTP/2 preface'],
    ).map(([head, defect]) => ({ bytes: request(head, ['Host: fuzz']), defect })),
    fc.constantFrom(
      ['X-A\u0001: b', 'control character in a header name'],
      ['X-A: b\u0000c', 'NUL in a header value'],
      ['X-A : b', 'space before the colon'],
      ['X-A b', 'header without a colon'],
      [': b', 'header without a name'],
      ['X-A: b\r\n c', 'obsolete line folding'],
      ['Content-Length: abc', 'non-numeric Content-Length'],
      ['Content-Length: -1', 'negative Content-Length'],
      ['Content-Length: 2\r\nContent-Length: 3', 'two different Content-Lengths'],
      ['Content-Length: 2\r\nTransfer-Encoding: chunked', 'Content-Length and chunked'],
      ['Transfer-Encoding: gzip, chunked, identity', 'unknown transfer coding'],
    ).map(([header, defect]) => ({ bytes: request('POST /v1/users HTTP/1.1', ['Host: fuzz', header], '{}'), defect })),
    fc.constantFrom(['zz', 'bad chunk size'], ['ffffffffffffffffff', 'chunk size overflow'], ['2;\u0000ext', 'NUL in a chunk extension']).map(([size, defect]) => ({
      bytes: request('POST /v1/users HTTP/1.1', ['Host: fuzz', 'Content-Type: application/json', 'Transfer-Encoding: chunked'], `${size}\r\n{}\r\n0\r\n\r\n`),
      defect,
    })),
    fc.constant({ bytes: `GET /v1/orgs HTTP/1.1${CRLF}Connection: close${CRLF}${CRLF}`, defect: 'HTTP/1.1 without Host' }),
    fc.constant({ bytes: `GET /v1/orgs HTTP/1.1\nHost: fuzz\nConnection: close\n\n`, defect: 'bare LF line endings' }),
    fc.constantFrom('127.0.0.1:22', 'evil.example:443', '[::1]:25').map((target) => ({ bytes: request(`CONNECT ${target} HTTP/1.1`, [`Host: ${target}`]), defect: `CONNECT ${target}` })),
    fc.tuple(
      fc.constantFrom('/v1/orgs/../users', '/v1/../v1/users', '/v1/orgs/%2e%2e/users', '/v1/me/mfa/factors/..', '/v1/sessions/current/..', '/v1/orgs/./', '/v1/orgs/fuzz-org/members/../../..', '/./v1/users'),
      fc.constantFrom('POST', 'DELETE', 'PUT', 'GET'),
    ).map(([path, method]) => ({
      bytes: request(`${method} ${path} HTTP/1.1`, ['Host: fuzz', auth, 'Content-Type: application/json', 'Content-Length: 14'], '{"fuzz":"yes"}'),
      defect: `${method} ${path} with an unknown field`,
    })),
    // A GET that would succeed, but for the content it carries: the contract accepts none or `{}` only.
    fc.tuple(fc.constantFrom(...readable), fc.constantFrom('{"fuzz":"yes"}', 'x', '\u0000', '[]', '{"slug":"'.repeat(200))).map(([path, body]) => ({
      bytes: request(`GET ${path} HTTP/1.1`, ['Host: fuzz', auth, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`], body),
      defect: `GET ${path} with a ${Buffer.byteLength(body)}-byte body`,
      status: 400,
    })),
    fc.constantFrom(...readable).map((path) => ({
      bytes: request(`GET ${path} HTTP/1.1`, ['Host: fuzz', auth, 'Transfer-Encoding: chunked'], '2\r\n[]\r\n0\r\n\r\n'),
      defect: `GET ${path} with a chunked body`,
      status: 400,
    })),
    // Framing that lies: the connection ends before the promised body, or promises more than the limit.
    fc.tuple(fc.integer({ min: 16, max: 60_000 }), fc.constantFrom('{"slug":"fuzz-', '{', '')).map(([length, body]) => ({
      bytes: request('POST /v1/orgs HTTP/1.1', ['Host: fuzz', auth, 'Content-Type: application/json', `Content-Length: ${length}`], body),
      defect: `Content-Length ${length} with ${body.length} bytes sent`,
    })),
    fc.constantFrom('1000000', '99999999999999999999', '18446744073709551616').map((length) => ({
      bytes: request('POST /v1/orgs HTTP/1.1', ['Host: fuzz', auth, 'Content-Type: application/json', `Content-Length: ${length}`], '{}'),
      defect: `Content-Length ${length}`,
    })),
    fc.constantFrom('+2', ' 2 ', '0x2', '2.0', '2e0', '2, 2', '２').map((length) => ({
      bytes: request('POST /v1/orgs HTTP/1.1', ['Host: fuzz', auth, 'Content-Type: application/json', `Content-Length: ${length}`], '{}'),
      defect: `Content-Length "${length}"`,
    })),
    // Request targets a router might read differently from a proxy, each with a body no route takes.
    fc.tuple(
      fc.constantFrom('http://evil.example/v1/orgs', '*', '//v1/orgs', '/v1//orgs', '/v1\\orgs', '/v1/orgs;x=1', '/v1/orgs#frag', '/v1/%6Frgs', '/v1%2Forgs', '/%2F%2Fevil.example', '/v1/orgs/%2e', '/V1/ORGS', '/v1/orgs?', '/v1/orgs?slug=a&slug=b'),
      fc.constantFrom('POST', 'DELETE', 'PATCH', 'OPTIONS'),
    ).map(([path, method]) => ({
      bytes: request(`${method} ${path} HTTP/1.1`, ['Host: fuzz', auth, 'Content-Type: application/json', 'Content-Length: 14'], '{"fuzz":"yes"}'),
      defect: `${method} ${path} with an unknown field`,
    })),
  );
}
