import { ApiError } from './api.ts';
import { explainError, type ErrorContext } from './explainError.ts';

/** Wrong flags or arguments: exit code 2, with a hint at the right form. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A refusal or failure already phrased for the user: exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** Prints what went wrong as one `gatehouse: …` line on stderr and returns the exit code. */
export function reportFailure(error: unknown, context: ErrorContext): number {
  if (error instanceof UsageError) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof CliFailure) {
    process.stderr.write(`gatehouse: ${error.message}\n`);
    return EXIT_REFUSED;
  }
  if (error instanceof ApiError) {
    process.stderr.write(`gatehouse: ${explainError(error, context)}\n`);
    return EXIT_REFUSED;
  }
  throw error;
}
