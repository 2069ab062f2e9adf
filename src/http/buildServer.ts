import { existsSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import FindMyWay from 'find-my-way';
import type { Actor, AppDeps } from '../app/deps.ts';
import { GatehouseError, isGatehouseError } from '../core/errors.ts';
import type { AccessScope } from '../db/accessBarrier.ts';
import { authenticate, type AuthMode } from './authenticate.ts';
import { refuseContentOnBodylessMethod } from './bodylessContent.ts';
import { ERROR_STATUS } from './errorStatus.ts';
import { problem, rawProblemResponse, sendProblem } from './problem.ts';
import { schemaCompilers } from './schemaCompilers.ts';
import { ProblemSchema } from './schemas.ts';
import { requestLogFields } from './redactUrl.ts';
import { registerRoutes, type Extras } from './routes/index.ts';
import { fieldErrors } from './validationErrors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `required` unless a route says otherwise; `pending_ok` admits a session still in its MFA
     * step; `enrollment_ok` and `password_change_ok` admit the restricted credentials that the
     * route helps out of their restriction (src/http/authenticate.ts).
     */
    auth?: AuthMode;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** Whether this request changed access facts (PostgreSQL): its answer then waits for the other instances. */
    accessScope: AccessScope | null;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const BODY_LIMIT_BYTES = 64 * 1024;
const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Statuses for the refusals Node's parser and timers make before there is a request (codes from llhttp and node:http). */
const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request took too long to arrive'],
};
const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

// Pages and API answers are never framed, sniffed or leaked through Referer.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export async function buildServer(deps: AppDeps, options: { logger?: FastifyBaseLogger | boolean; extras?: Extras } = {}): Promise<App> {
  // Request lines carry the URL, which may hold an invitation token or an OIDC code: redacted (src/http/redactUrl.ts).
  const serializers = { req: requestLogFields };
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger.child({}, { serializers }) : undefined,
    logger: options.logger === true ? { serializers } : typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: BODY_LIMIT_BYTES,
    schemaController: schemaCompilers(),
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
    ajv: {
      // Unknown fields are errors, not silently dropped; "5" is not a number.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: true },
    },
    // Node's HTTP parser refused the bytes (or the client was too slow): there is no request yet,
    // so the problem document is written straight to the socket.
    clientErrorHandler: (error, socket) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || !socket.writable) return;
      const [status, detail] = CLIENT_ERRORS[code ?? ''] ?? [400, 'malformed HTTP request'];
      socket.end(rawProblemResponse(status, 'invalid_request', detail));
    },
    // Fastify answers these itself, in its own JSON shape: a URL whose percent-encoding does not
    // decode, a path segment past maxParamLength. Problem documents like every other refusal.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      sendProblem(reply, problem('invalid_request', tooLong ? 'a path segment is too long' : 'the URL is not valid', { errors: [] }, tooLong ? 414 : 400));
    },
    // Node would answer an HTTP/1.1 request without Host with an empty 400; the hook below answers it as a problem.
    http: { requireHostHeader: false },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // A client may half-close its side once its request is written (RFC 9112 §9.6; `nc -N`, some
  // proxies). Node's default is to end the connection at that moment, so any answer that needs a
  // database round trip was lost: the client saw no answer at all. Half-open, Node marks the
  // pending response as the connection's last and closes after writing it. (An undocumented but
  // long-standing http.Server field; tests/http/half-closed-connection.test.ts notices if it goes.)
  (app.server as typeof app.server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Node hands CONNECT to a 'connect' listener and drops the connection when there is none.
  app.server.on('connect', (_request: unknown, socket: Duplex) => {
    socket.on('error', () => {});
    socket.end(rawProblemResponse(405, 'method_not_allowed', 'CONNECT is not allowed here'));
  });
  const barrier = deps.accessBarrier;
  app.decorateRequest('accessScope', null);
  if (barrier) {
    // Revocation at once on every instance (src/db/accessBarrier.ts): the pool charges each change
    // notification to the scope of the request that made it, and a request that made any answers
    // only once every other instance's cache has applied it. First hook of all, so that the
    // session touch in `authenticate` is charged too. Entered again before the handler as
    // insurance: the body arrives through stream events, and Fastify 5 does keep the context
    // across them, but a lost context would let a write answer without waiting (the
    // `unattributed` counter, checked in tests/concurrency/revocation-across-instances.test.ts).
    app.addHook('onRequest', (request, _reply, done) => {
      const scope = barrier.newScope();
      request.accessScope = scope;
      barrier.enter(scope, done);
    });
    app.addHook('preHandler', (request, _reply, done) => {
      if (request.accessScope) barrier.enter(request.accessScope, done);
      else done();
    });
    // Every answer passes here, errors included: a change that committed before a later failure still waits.
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (!request.accessScope?.raised) return done(null, payload);
      barrier.settle().then(
        () => done(null, payload),
        () => done(null, payload),
      );
    });
  }
  // RFC 9112 §3.2: an HTTP/1.1 request without Host gets a 400 (Node's own check is off, above).
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new GatehouseError('invalid_request', 'the Host header is required', { extra: { errors: [{ field: 'host', in: 'headers', message: 'is required' }] } });
    }
    await refuseContentOnBodylessMethod(request.raw);
  });

  app.decorateRequest('actor', null);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Gatehouse API', version: '1.0.0', description: 'Identity with organization-wide mandatory MFA. Contract: shared/API.md.' },
      components: {
        // Every stable error code the server answers, with its status: the contract's, and the few
        // beyond it (docs/architecture.md, "Error codes beyond the contract").
        schemas: {
          ErrorCode: {
            type: 'string',
            description: 'The `code` of a problem document; each choice is titled with the HTTP status it is answered with.',
            oneOf: Object.entries(ERROR_STATUS).map(([code, status]) => ({ const: code, title: `${status} ${code}` })),
          },
        },
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A session token (gses_…) or a personal access token (gpat_…)' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session', description: 'Console session; unsafe methods also need X-CSRF-Token' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    hideUntagged: true,
  });

  // An empty body with a JSON content type is "no body", which body-less endpoints accept.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    defaultJson(request, body as string, done);
  });
  // JSON only (contract: 415 unsupported_media_type): Fastify would otherwise hand text/plain bodies to routes as strings.
  app.removeContentTypeParser('text/plain');

  // 405 for a known path with another method: a router of every path, consulted only on misses.
  const known = FindMyWay();
  app.addHook('onRoute', (route) => {
    // Every route can answer 400 before its handler runs (a bad Host, content on a GET/HEAD other
    // than `{}`: src/http/bodylessContent.ts), so every documented route says so, including the
    // few whose schema lists no errors of its own.
    const responses = route.schema?.response as Record<string, unknown> | undefined;
    if (responses && !('400' in responses)) responses['400'] = ProblemSchema;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if ((ROUTED_METHODS as readonly string[]).includes(method)) known.on(method as 'GET', route.url, () => {});
    }
  });

  app.addHook('onRequest', async (request) => {
    // API routes authenticate unless they say otherwise; the console's static files never do.
    const url = request.routeOptions.url;
    const mode = request.routeOptions.config.auth ?? (url?.startsWith('/v1/') ? 'required' : 'none');
    if (mode !== 'none' && url !== undefined) request.actor = await authenticate(deps, request, mode);
  });
  // No body at all counts as `{}`: body-less endpoints accept it, and others name each missing field.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD') request.body = {};
  });
  app.addHook('onSend', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.validation) {
      return sendProblem(reply, problem('invalid_request', 'the request is not valid', { errors: fieldErrors(error.validation, error.validationContext) }));
    }
    if (isGatehouseError(error)) {
      const retryAfter = error.extra.retry_after;
      if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
      return sendProblem(reply, problem(error.code, error.message, error.extra));
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return sendProblem(reply, problem('payload_too_large', `the body is larger than ${BODY_LIMIT_BYTES} bytes`));
    if (status === 415) return sendProblem(reply, problem('unsupported_media_type', 'send application/json'));
    if (status >= 400 && status < 500) {
      return sendProblem(reply, problem('invalid_request', error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError ? 'the body is not valid JSON' : error.message, { errors: [] }, 400));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problem('internal_error', 'something went wrong on our side'));
  });

  const hasConsole = existsSync(WEB_DIST);
  if (hasConsole) {
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/', wildcard: false, index: false, serve: true, decorateReply: true });
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const others = ROUTED_METHODS.filter((method) => method !== request.method && known.find(method, path) !== null);
    if (others.length > 0 && !(request.method === 'HEAD' && others.includes('GET'))) {
      reply.header('allow', others.join(', '));
      return sendProblem(reply, problem('method_not_allowed', `${request.method} is not allowed here`));
    }
    // The console is a single-page app: its routes all load index.html.
    if (hasConsole && request.method === 'GET' && !path.startsWith('/v1/') && (request.headers.accept ?? '').includes('text/html')) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    return sendProblem(reply, problem('not_found', 'no such resource'));
  });

  registerRoutes(app, deps, options.extras ?? {});
  app.get(
    '/openapi.json',
    { config: { auth: 'none' }, schema: { tags: ['system'], summary: 'This OpenAPI document', security: [], response: { 200: { type: 'object', additionalProperties: true } } } },
    async () => app.swagger() as unknown as Record<string, unknown>,
  );
  return app;
}
