import type { AppDeps } from '../deps.ts';

/** 256 random bits from the injected source: unguessable, and never reused across ceremonies. */
export function newWebauthnChallenge(deps: AppDeps): Uint8Array<ArrayBuffer> {
  return new Uint8Array(deps.random.bytes(32));
}

/**
 * The challenge a browser response claims to answer (from its clientDataJSON), or null when the
 * response is not shaped like one. Only a lookup key: the stored challenge is what verification
 * compares against, and the signature covers clientDataJSON.
 */
export function presentedChallenge(response: unknown): string | null {
  const clientDataJSON = (response as { response?: { clientDataJSON?: unknown } } | null)?.response?.clientDataJSON;
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 8192) return null;
  try {
    // clientDataJSON is base64url of a UTF-8 JSON object (WebAuthn §5.8.1).
    const challenge = (JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 256 ? challenge : null;
  } catch {
    return null;
  }
}
