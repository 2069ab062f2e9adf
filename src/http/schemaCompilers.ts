import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type Serialize = (data: unknown) => string;
type RouteSchema = { schema: object };
type CompileSerializer = (route: RouteSchema) => Serialize;
type BuildSerializer = (externalSchemas: unknown, options: unknown) => CompileSerializer;
/** What Ajv compiles: returns validity, and leaves the errors of the last call on itself. */
interface Validate {
  (data: unknown, context?: unknown): boolean;
  errors?: unknown;
  schemaEnv?: unknown;
}
type BuildValidator = (externalSchemas: unknown, options: unknown) => (route: RouteSchema) => Validate;

// Fastify's own compilers (its dependencies), resolved from where fastify is installed.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
const defaultSerializers = (fromFastify('@fastify/fast-json-stringify-compiler') as () => BuildSerializer)();
const defaultValidators = (fromFastify('@fastify/ajv-compiler') as () => BuildValidator)();

/**
 * Fastify's schema compilers, changed in when they work, not in what they produce; both matter
 * for a cold start, where compiling every route's schemas was a quarter of the time.
 *
 * Serializers: Fastify compiles one per route and status code at start. Every route documents its
 * errors with the same problem-document schema object (src/http/schemas.ts), so the same code was
 * generated some 200 times; it is compiled once per schema object now, and only when a route first
 * answers with that status (compiling the rest at start was ~15% of a cold start on PGlite, in a
 * CPU profile). A serializer depends only on its schema, so sharing one between routes, or
 * compiling it later, changes no output.
 *
 * Validators: compiled by the same Ajv, with the same options, on a route's first request instead
 * of at start, when most routes are not going to be called for a while. Fastify passes the
 * parent data (so Ajv may apply defaults to the root) whenever `schemaEnv` is set, as it is on
 * every Ajv function; the errors of each call are handed on the way Fastify reads them.
 */
export function schemaCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  const buildSerializer: BuildSerializer = (externalSchemas, options) => {
    const compile = defaultSerializers(externalSchemas, options);
    const compiled = new WeakMap<object, Serialize>();
    const compiledFor = (route: RouteSchema): Serialize => {
      let serialize = compiled.get(route.schema);
      if (!serialize) {
        serialize = compile(route);
        compiled.set(route.schema, serialize);
      }
      return serialize;
    };
    return (route) => {
      let serialize: Serialize | null = null;
      return (data) => (serialize ??= compiledFor(route))(data);
    };
  };
  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const compile = defaultValidators(externalSchemas, options);
    return (route) => {
      let validate: Validate | null = null;
      const onFirstUse: Validate = (data, context) => {
        validate ??= compile(route);
        const valid = validate(data, context);
        onFirstUse.errors = validate.errors;
        return valid;
      };
      onFirstUse.schemaEnv = true;
      return onFirstUse;
    };
  };
  return { compilersFactory: { buildSerializer: buildSerializer as never, buildValidator: buildValidator as never } };
}
