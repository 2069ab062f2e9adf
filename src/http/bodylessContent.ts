import type { IncomingMessage } from 'node:http';
import { GatehouseError } from '../core/errors.ts';

/** More than any spelling of `{}` needs; what is longer is refused unread. */
const LIMIT_BYTES = 1024;

/**
 * The contract: an endpoint without a body accepts no body or `{}` and rejects any other. Fastify
 * never reads content on GET or HEAD, so that rule is applied here, before authentication: the
 * content is read (at most 1 KiB) and must be a JSON object without members. Content on a GET is
 * also how a proxy and a server that frame requests differently get desynchronized, so it is never
 * left unread on the connection.
 */
export async function refuseContentOnBodylessMethod(raw: IncomingMessage): Promise<void> {
  if (raw.method !== 'GET' && raw.method !== 'HEAD') return;
  const length = raw.headers['content-length'];
  if (raw.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return;
  const text = await readAtMost(raw, LIMIT_BYTES);
  if (text !== null && isEmptyObject(text)) return;
  throw new GatehouseError('invalid_request', `${raw.method} takes no body other than {}`, {
    extra: { errors: [{ field: 'body', in: 'body', message: 'must be absent or {}' }] },
  });
}

function isEmptyObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
  } catch {
    return false;
  }
}

/** The content as text, or null when it is longer than `limit` bytes. */
function readAtMost(raw: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onError);
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onError);
  });
}
