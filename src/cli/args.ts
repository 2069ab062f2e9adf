import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cliErrors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into usage errors (exit code 2) that show `usage`. */
export function parseCommandArgs<T extends Options>(argv: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}\nusage: ${usage}`);
  }
}

export const SLUG = /^[a-z0-9][a-z0-9-]{1,38}$/;
