import type { Harness } from './harness.ts';

export interface Response<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** HTTP through fastify.inject: the full stack (parsing, hooks, validation, serialization) without sockets. */
export async function call<T = any>(
  h: Harness,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await h.gatehouse.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
  });
  const text = response.body;
  let body: unknown = text;
  if (text && /json/.test(String(response.headers['content-type']))) body = JSON.parse(text);
  return { status: response.statusCode, body: body as T, headers: response.headers };
}
