/** One operation of the served OpenAPI document, as much as the fuzzer needs of it. */
export interface RouteSpec {
  method: string;
  /** OpenAPI template, e.g. `/v1/orgs/{slug}/members/{user_id}`. */
  path: string;
  pathParams: string[];
  /** Query parameters, when the route declares any (they are then a closed set). */
  queryParams: Record<string, JsonSchema>;
  /** False for routes the document marks `security: []` (sign-up, sign-in, the test clock…). */
  authenticated: boolean;
  /** Authenticated by a user's session or token (the default), not by a credential of its own (sshd's host token). */
  userAuth: boolean;
  /** The JSON body schema, or null for routes that declare none. */
  body: JsonSchema | null;
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  [key: string]: unknown;
}

export const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function routeCatalog(document: { paths: Record<string, Record<string, any>> }): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters: { in: string; name: string; schema?: JsonSchema }[] = operation.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name),
        queryParams: Object.fromEntries(parameters.filter((parameter) => parameter.in === 'query').map((parameter) => [parameter.name, parameter.schema ?? {}])),
        authenticated: !(Array.isArray(operation.security) && operation.security.length === 0),
        userAuth: operation.security === undefined,
        body: operation.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return routes;
}

/** A body schema that rejects what it does not name: every object branch closes its properties. */
export function isClosed(schema: JsonSchema | null): boolean {
  if (!schema) return false;
  if (schema.anyOf) return schema.anyOf.every((branch) => isClosed(branch));
  return schema.type === 'object' && schema.additionalProperties === false;
}

export function fillPath(route: RouteSpec, values: Record<string, string>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'x');
}
