import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Algorithm, Options } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { concurrencyLimit } from './concurrencyLimit.ts';

/**
 * Password hashing with argon2id at OWASP's recommended minimum (Password Storage Cheat Sheet:
 * m=19 MiB, t=2, p=1). argon2id is memory-hard, so each guess costs an attacker with a stolen
 * database 19 MiB of memory bandwidth, not just a few hash cycles on a GPU.
 *
 * `algorithm: 2` is Argon2id: the package declares `Algorithm` as a `const enum`, which cannot
 * be read at run time under type stripping, so the value is spelled out.
 */
export const ARGON2_PARAMS: Readonly<{
  algorithm: Algorithm;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  outputLen: number;
}> = Object.freeze({
  algorithm: 2 as Algorithm,
  /** KiB (19 MiB). */
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} satisfies Options);

/**
 * One argon2 computation per core the process may run on (`availableParallelism` honours CPU
 * affinity and cgroup limits). libuv's pool has 4 threads: on fewer cores, 4 hashes at once
 * time-slice one core and each evicts the others' 19 MiB from the cache, so together they finish
 * ~30% fewer hashes per second than one at a time (bench/argon2Ceiling.ts, pinned to one core:
 * 93/s at 1 concurrent, 64/s at 4). Queued sign-ins wait their turn instead. Process-wide on
 * purpose: the cores are a process-wide resource. The cost per guess is unchanged.
 */
const hashing = concurrencyLimit(availableParallelism());

/** PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  return hashing.run(() => argon2Hash(password, { ...ARGON2_PARAMS }));
}

/**
 * True only if `password` matches. A malformed or unsupported stored hash yields false rather
 * than an exception, so one corrupt row cannot turn a login into a 500 (or reveal, by a
 * different error, that the account exists). The comparison of digests inside the library is
 * constant-time.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await hashing.run(() => argon2Verify(hash, password));
  } catch {
    return false;
  }
}

/**
 * A valid argon2id hash with exactly ARGON2_PARAMS, of a random password that was discarded.
 * When a login names an unknown email, the caller verifies the given password against this
 * instead of returning at once: both paths then spend the same ~argon2 time, so response
 * timing does not tell an attacker which emails have accounts. It must use the same
 * parameters as real hashes, or the two paths would again take different times (a test
 * checks this).
 */
export const DUMMY_PASSWORD_HASH: string =
  '$argon2id$v=19$m=19456,t=2,p=1$kT7nXnr3UBJ1JTI29ZMKKA$Ou2v+t9Kw00s7HUFXCAzKbFTrct/btqtUvx96tig2Hc';
