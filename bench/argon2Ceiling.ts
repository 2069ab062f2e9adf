import { hash, verify } from '@node-rs/argon2';
import { ARGON2_PARAMS } from '../src/crypto/passwordHash.ts';

/**
 * The hashing ceiling: argon2id verify() calls per second with the server's parameters, in a
 * process pinned to the server's core. Run with `<seconds> <concurrency>`; prints one JSON line.
 * Concurrency above 1 goes through libuv's thread pool exactly as the server's calls do.
 */
const seconds = Number(process.argv[2] ?? '5');
const concurrency = Number(process.argv[3] ?? '1');
const password = 'bench-correct-horse-battery';
const stored = await hash(password, { ...ARGON2_PARAMS });
await verify(stored, password);

let calls = 0;
const started = performance.now();
const until = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      if (!(await verify(stored, password))) throw new Error('verify failed');
      calls += 1;
    }
  }),
);
const elapsedSeconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ callsPerSecond: calls / elapsedSeconds, calls, concurrency }));
