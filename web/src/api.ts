// The console's only way to the server. Session handling follows the console protocol:
// - the session lives in an HttpOnly cookie the server sets; tokens in JSON bodies are ignored
//   here on purpose (never stored, never put in state), so script on the page cannot read them;
// - every request says `X-Gatehouse-Console: 1`, and unsafe methods echo the readable
//   `gatehouse_csrf` cookie in `X-CSRF-Token` (double-submit CSRF protection).

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A problem document (RFC 9457) as the server sends it, plus any extra members. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  [member: string]: unknown;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly body: Problem;
  readonly retryAfterSeconds: number | undefined;

  constructor(opts: { code: string; status: number; body: Problem; retryAfterSeconds?: number; cause?: unknown }) {
    super(opts.body.detail ?? opts.body.title ?? opts.code, { cause: opts.cause });
    this.name = 'ApiError';
    this.code = opts.code;
    this.status = opts.status;
    this.body = opts.body;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

const UNSAFE: ReadonlySet<Method> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function readCookie(cookieHeader: string, name: string): string | undefined {
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function buildHeaders(method: Method, hasBody: boolean, cookieHeader: string): Headers {
  const headers = new Headers({
    Accept: 'application/json, application/problem+json',
    'X-Gatehouse-Console': '1',
  });
  if (hasBody) headers.set('Content-Type', 'application/json');
  if (UNSAFE.has(method)) {
    // Behind HTTPS the server uses the `__Host-` prefixed name (pinned to this origin).
    const csrf = readCookie(cookieHeader, '__Host-gatehouse_csrf') ?? readCookie(cookieHeader, 'gatehouse_csrf');
    if (csrf !== undefined) headers.set('X-CSRF-Token', csrf);
  }
  return headers;
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: Problem = {};
  try {
    const parsed: unknown = await res.json();
    if (parsed !== null && typeof parsed === 'object') body = parsed as Problem;
  } catch {
    // Not JSON (a proxy's HTML error page, say): fall back to the status line.
  }
  const retry = Number(res.headers.get('Retry-After'));
  return new ApiError({
    code: typeof body.code === 'string' ? body.code : `http_${res.status}`,
    status: res.status,
    body: { title: res.statusText, ...body },
    ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
  });
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
  const hasBody = opts.body !== undefined;
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method,
      headers: buildHeaders(method, hasBody, document.cookie),
      credentials: 'same-origin',
      ...(hasBody ? { body: JSON.stringify(opts.body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({ code: 'network_error', status: 0, body: { title: 'Network error' }, cause });
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions): Promise<T> => request<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown): Promise<T> => request<T>('POST', path, { body }),
  put: <T>(path: string, body?: unknown): Promise<T> => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown): Promise<T> => request<T>('PATCH', path, { body }),
  del: <T = void>(path: string, body?: unknown): Promise<T> => request<T>('DELETE', path, { body }),
};

/** Encodes one path segment (slugs, ids, invitation tokens). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
