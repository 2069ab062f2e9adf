import type { FastifySchemaValidationError } from 'fastify/types/schema.js';

export interface FieldError {
  field: string;
  in: string;
  message: string;
}

/** Names each bad field the way a client wrote it: `email`, `user_ids.2`, `limit`. */
export function fieldErrors(errors: readonly FastifySchemaValidationError[], context: string | undefined): FieldError[] {
  const where = context ?? 'body';
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const child = (params.missingProperty ?? params.additionalProperty) as string | undefined;
    const field = child ? (base ? `${base}.${child}` : child) : base || where;
    const message = params.additionalProperty ? 'is not a known field' : (error.message ?? 'is invalid');
    const key = `${where}:${field}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, in: where, message });
  }
  return out;
}
