import sshpk from 'sshpk';
import { GatehouseError } from '../core/errors.ts';
import type { Random } from '../core/random.ts';
import type { SshCa } from './caKey.ts';
import { parseUserPublicKey } from './parsePublicKey.ts';

export const DEFAULT_CERTIFICATE_VALID_SECONDS = 8 * 3600;
/** The contract's ceiling: a stolen certificate is useful for one day at most. */
export const MAX_CERTIFICATE_VALID_SECONDS = 24 * 3600;
/** Servers whose clock runs a little behind must still accept a certificate issued just now. */
export const DEFAULT_CERTIFICATE_BACKDATE_SECONDS = 300;
const MAX_BACKDATE_SECONDS = 3600;

/**
 * The permissions sshd grants a session only when the certificate lists them (a certificate with
 * no extensions can run a command but cannot get a terminal). This is ssh-keygen's default set
 * minus permit-X11-forwarding, which exposes the user's display to the server. PROTOCOL.certkeys
 * requires lexical order by name, and this list is in that order.
 */
const EXTENSIONS: readonly string[] = [
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
];

/** Printable ASCII without space or comma: a principal is matched as one token by sshd. */
const PRINCIPAL = /^[\x21-\x2b\x2d-\x7e]{1,256}$/;
/** Printable ASCII: the key id is written verbatim into sshd's logs, so no control characters. */
const KEY_ID = /^[\x20-\x7e]{1,256}$/;
const NONCE_BYTES = 32; // as OpenSSH's ssh-keygen

export interface IssueUserCertificateOptions {
  ca: SshCa;
  /** The user's OpenSSH public key line; rejected with `invalid_public_key` if unacceptable. */
  publicKey: string;
  /** Names the user; sshd logs it on every login made with the certificate. */
  keyId: string;
  principals: readonly string[];
  now: Date;
  /** Default 8 hours; anything longer is cut to 24 hours. */
  validSeconds?: number;
  /** Default 300 seconds. */
  backdateSeconds?: number;
  /** Unsigned 64-bit; `ssh-keygen -L`, sshd's logs and KRLs (revocation lists) show it in decimal. */
  serial: bigint;
  /** Supplies the certificate nonce. */
  random: Random;
}

export interface IssuedUserCertificate {
  /** One OpenSSH line, e.g. `ssh-ed25519-cert-v01@openssh.com AAAA…`, to save as `id_…-cert.pub`. */
  certificate: string;
  principals: string[];
  validAfter: Date;
  validBefore: Date;
}

/** Signs an OpenSSH user certificate for `publicKey`. Returns what to hand out; stores nothing. */
export function issueUserCertificate(options: IssueUserCertificateOptions): IssuedUserCertificate {
  const subjectKey = parseUserPublicKey(options.publicKey);
  const principals = checkPrincipals(options.principals);
  if (!KEY_ID.test(options.keyId)) throw internal('key id must be 1-256 printable ASCII characters');

  const requestedSeconds = options.validSeconds ?? DEFAULT_CERTIFICATE_VALID_SECONDS;
  const validSeconds = Math.min(requestedSeconds, MAX_CERTIFICATE_VALID_SECONDS);
  if (!Number.isSafeInteger(validSeconds) || validSeconds <= 0) {
    throw new GatehouseError('invalid_request', 'certificate lifetime must be a positive whole number of seconds');
  }
  const backdateSeconds = options.backdateSeconds ?? DEFAULT_CERTIFICATE_BACKDATE_SECONDS;
  if (!Number.isSafeInteger(backdateSeconds) || backdateSeconds < 0 || backdateSeconds > MAX_BACKDATE_SECONDS) {
    throw internal(`backdate must be 0-${MAX_BACKDATE_SECONDS} whole seconds`);
  }

  // OpenSSH validity is in whole seconds. Rounding `now` down keeps validBefore within the 24 h
  // ceiling, and the dates we return are exactly the ones inside the certificate.
  const nowSeconds = Math.floor(options.now.getTime() / 1000);
  if (!Number.isFinite(nowSeconds)) throw internal('now is not a valid date');
  const validAfter = new Date((nowSeconds - backdateSeconds) * 1000);
  const validBefore = new Date((nowSeconds + validSeconds) * 1000);

  const certificate = sshpk.createCertificate(
    principals.map((principal) => sshpk.identityForUser(principal)),
    subjectKey,
    sshpk.identityForUser('gatehouse-ca'), // OpenSSH certificates carry no issuer name, only the key
    options.ca.privateKey,
    { validFrom: validAfter, validUntil: validBefore, serial: serialBuffer(options.serial) },
  );
  // sshpk signs with a key id of its own making, a nonce from its own randomness and no extensions
  // at all, and offers no option for any of them. Set them on the OpenSSH signature block and sign
  // again: its signer serialises the certificate from these fields.
  const openssh = certificate.signatures.openssh;
  if (openssh === undefined) throw internal('sshpk produced no OpenSSH signature');
  openssh.nonce = Buffer.from(options.random.bytes(NONCE_BYTES));
  openssh.keyId = options.keyId;
  openssh.exts = EXTENSIONS.map((name) => ({ critical: false, name, data: Buffer.alloc(0) }));
  certificate.signWith(options.ca.privateKey);

  return { certificate: certificate.toString('openssh'), principals, validAfter, validBefore };
}

function checkPrincipals(requested: readonly string[]): string[] {
  const principals = [...new Set(requested)];
  // Never sign an empty list: where a server trusts the CA through an authorized_keys
  // `cert-authority` line without `principals=`, sshd accepts such a certificate for any login.
  if (principals.length === 0) throw internal('a certificate needs at least one principal');
  if (principals.length > 256) throw internal('too many principals'); // OpenSSH's own limit
  for (const principal of principals) {
    if (!PRINCIPAL.test(principal)) {
      throw internal('principals must be 1-256 printable ASCII characters without spaces or commas');
    }
  }
  return principals;
}

function serialBuffer(serial: bigint): Buffer {
  if (serial < 0n || serial >= 1n << 64n) throw internal('serial must be an unsigned 64-bit integer');
  // sshpk copies the buffer into the 8-byte field as is, so it has to be exactly 8 bytes long.
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(serial);
  return buffer;
}

function internal(message: string): GatehouseError {
  return new GatehouseError('internal_error', message);
}
