// Passkey helpers around @simplewebauthn/browser.

/**
 * The server answers the options endpoints with the options JSON itself; tolerate the common
 * wrappers (`{ options }`, `{ publicKey }`) too, so a wrapped answer still works.
 */
export function unwrapOptions<T>(body: unknown): T {
  if (body !== null && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (!('challenge' in b)) {
      for (const key of ['options', 'publicKey', 'optionsJSON']) {
        const inner = b[key];
        if (inner !== null && typeof inner === 'object') return unwrapOptions<T>(inner);
      }
    }
  }
  return body as T;
}
