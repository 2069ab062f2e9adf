/**
 * @simplewebauthn/server, loaded on the first passkey ceremony instead of at start: it is the
 * largest library the server uses (~25 MB resident and ~0.2 s to load), and most requests, and
 * many deployments, never touch a passkey. Types are imported statically (they cost nothing).
 */
export function webauthnLibrary(): Promise<typeof import('@simplewebauthn/server')> {
  return import('@simplewebauthn/server');
}

/** Base64url without padding, as WebAuthn and simplewebauthn's isoBase64URL write it. */
export function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}
