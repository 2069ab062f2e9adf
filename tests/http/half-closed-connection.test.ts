/**
 * Threat: a client that half-closes its side of the connection once the request is written (as
 * `nc -N` and some proxies do, RFC 9112 §9.6) gets no answer at all whenever the answer needs a
 * database round trip — Node's default ends the connection on the client's FIN. Seen as the fuzz
 * test's `GET /v1/orgs/./` "hang" under load. Rule: the answer is still written, then the
 * connection closes.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { rawRequest } from '../fuzz/rawHttp.ts';

let h: Harness;
let port: number;

beforeAll(async () => {
  h = await startHarness();
  // Holds each request until the server has seen the client's FIN, so the race that lost answers
  // under load is lost here every time. Hooks run in order, so the requests below go to unknown
  // paths: nothing before this hook (authentication) refuses them first.
  h.gatehouse.app.addHook('onRequest', async (request) => {
    const socket = request.raw.socket;
    if (!socket.readableEnded) await once(socket, 'end');
  });
  await h.gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
  const address = h.gatehouse.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a TCP port');
  port = address.port;
});

afterAll(async () => {
  await h?.close();
});

it('answers a request whose client half-closed the connection after sending it', async () => {
  const bytes = 'GET /v1/nowhere HTTP/1.1\r\nHost: gatehouse.test\r\nConnection: close\r\n\r\n';
  const response = await rawRequest(port, bytes, { timeoutMs: 30_000 });
  expect(response?.status).toBe(404);
  expect(response?.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(response?.body ?? '{}').code).toBe('not_found');
});

it('answers a half-closed request that carries a body', async () => {
  const bytes = 'POST /v1/nowhere HTTP/1.1\r\nHost: gatehouse.test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
  const response = await rawRequest(port, bytes, { timeoutMs: 30_000 });
  expect(response?.status).toBe(404);
  expect(JSON.parse(response?.body ?? '{}').code).toBe('not_found');
});
