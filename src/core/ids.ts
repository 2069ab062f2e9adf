import { base32, type Random } from './random.ts';

export type IdPrefix = 'usr' | 'ses' | 'pat' | 'fac' | 'org' | 'inv' | 'evt' | 'mail' | 'chl';

/** Opaque ids: a type prefix for humans reading logs, then 80 random bits (no ordering leaks). */
export function newId(random: Random, prefix: IdPrefix): string {
  return `${prefix}_${base32(random.bytes(10))}`;
}
