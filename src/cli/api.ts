import type { ErrorCode } from '../core/errors.ts';

/** Failures the CLI meets that the server never names: it could not be asked, or answered nonsense. */
export type ClientErrorCode = 'server_unreachable' | 'unexpected_response';

/** A refusal or failure from the server (a contract error code) or on the way to it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: ErrorCode | ClientErrorCode;
  /** The server's `detail`: never contains a secret (contract), so it may be shown. */
  readonly detail: string;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly retryAfterSeconds: number | null;

  constructor(options: { status: number; code: ErrorCode | ClientErrorCode; detail: string; extra?: Record<string, unknown>; retryAfterSeconds?: number | null }) {
    super(`${options.code}: ${options.detail}`);
    this.status = options.status;
    this.code = options.code;
    this.detail = options.detail;
    this.extra = options.extra ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}

export interface ApiRequest {
  token?: string;
  body?: unknown;
  /** Default 30 s; `gatehouse ssh principals` uses 5 s, since sshd waits on it. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** One JSON call to the Gatehouse API. Resolves with the body (null for 204); throws ApiError otherwise. */
export async function api<T = unknown>(server: string, method: string, path: string, request: ApiRequest = {}): Promise<T> {
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        'user-agent': 'gatehouse-cli',
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(request.token !== undefined ? { authorization: `Bearer ${request.token}` } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      // Never follow a redirect with a bearer token (or a password) in hand: it could lead anywhere.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ApiError({ status: 0, code: 'server_unreachable', detail: unreachableReason(error, timeoutMs) });
  }
  const text = await response.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError({ status: response.status, code: 'unexpected_response', detail: `HTTP ${response.status} with a body that is not JSON` });
    }
  }
  if (response.ok) return body as T;
  throw problemError(response, body);
}

function problemError(response: Response, body: unknown): ApiError {
  const retryHeader = response.headers.get('retry-after');
  const retryAfterSeconds = retryHeader !== null && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  if (typeof body !== 'object' || body === null || typeof (body as { code?: unknown }).code !== 'string') {
    return new ApiError({ status: response.status, code: 'unexpected_response', detail: `HTTP ${response.status} without a problem document`, retryAfterSeconds });
  }
  const { code, detail, type: _type, title: _title, status: _status, ...extra } = body as Record<string, unknown>;
  return new ApiError({
    status: response.status,
    code: code as ErrorCode,
    detail: typeof detail === 'string' ? detail : '',
    extra,
    retryAfterSeconds,
  });
}

function unreachableReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
