import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../core/errors.ts';
import { ERROR_STATUS, statusTitle } from './errorStatus.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  [member: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}, status = ERROR_STATUS[code]): Problem {
  return { ...extra, type: `urn:gatehouse:error:${code}`, title: statusTitle(status), status, code, detail };
}

/** RFC 9457 problem document; serialized by hand so route response schemas never strip its members. */
export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').serializer(JSON.stringify).send(body);
}

/** For answers written straight to a socket, before Fastify has a request (malformed HTTP). */
export function rawProblemResponse(status: number, code: ErrorCode, detail: string): string {
  const body = JSON.stringify(problem(code, detail, {}, status));
  return (
    `HTTP/1.1 ${status} ${statusTitle(status)}\r\n` +
    'Content-Type: application/problem+json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
