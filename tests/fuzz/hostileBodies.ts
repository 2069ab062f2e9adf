import fc from 'fast-check';
import { anyJson, jsonType, oddString } from './hostileValues.ts';
import type { JsonSchema, RouteSpec } from './routeCatalog.ts';

function allowedTypes(schema: JsonSchema): Set<string> {
  if (schema.anyOf) return new Set(schema.anyOf.flatMap((branch) => [...allowedTypes(branch)]));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const set = new Set(types);
  if (set.has('number')) set.add('integer');
  return set;
}

/** A value the schema accepts, as a well-behaved client would send it. */
function plausible(schema: JsonSchema, name: string): unknown {
  if (schema.anyOf?.[0]) return plausible(schema.anyOf[0], name);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'email') return 'fuzz-target@example.test';
      if (schema.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      if (schema.pattern?.includes('0-9]{1,20}')) return '12345';
      if (schema.pattern) return 'fuzz-org';
      return name === 'password' ? 'correct horse battery staple' : 'fuzz value';
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return schema.minItems ? [plausible(schema.items ?? { type: 'string' }, name)] : [];
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, child]) => [key, plausible(child, key)]));
    default:
      return {};
  }
}

export function baseBody(route: RouteSpec): Record<string, unknown> {
  const schema = route.body?.anyOf?.[0] ?? route.body;
  const value = schema ? plausible(schema, 'body') : {};
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function propertiesOf(route: RouteSpec): [string, JsonSchema][] {
  const schema = route.body?.anyOf?.[0] ?? route.body;
  return Object.entries(schema?.properties ?? {});
}

function deepNesting(levels: number, leaf = '0'): string {
  return '['.repeat(levels) + leaf + ']'.repeat(levels);
}

/** A JSON body that breaks the route's schema: an unknown field, a wrong type, a missing field, not an object at all, or nesting 10,000 deep. */
export function invalidBody(route: RouteSpec): fc.Arbitrary<{ payload: string; defect: string }> {
  const properties = propertiesOf(route);
  const required = (route.body?.anyOf?.[0] ?? route.body)?.required ?? [];
  const variants: fc.Arbitrary<{ payload: string; defect: string }>[] = [
    fc.tuple(fc.oneof(fc.constantFrom('extra', 'constructor', 'prototype', 'toString', '', 'ADMIN', 'role '), oddString), anyJson, oddStringsIn(route)).map(([key, value, base]) => ({
      payload: JSON.stringify({ ...base, [key]: value }),
      defect: `unknown field ${JSON.stringify(key).slice(0, 40)}`,
    })),
    fc.constantFrom('[]', '"body"', '12', 'null', 'true', '[{}]').map((payload) => ({ payload, defect: `body ${payload}` })),
    fc.integer({ min: 1_000, max: 10_000 }).map((levels) => ({ payload: deepNesting(levels, '{}'), defect: `array nested ${levels} deep` })),
    fc.tuple(fc.integer({ min: 1_000, max: 10_000 }), oddStringsIn(route)).map(([levels, base]) => ({
      payload: JSON.stringify(base).replace(/^\{/, `{"nested":${deepNesting(levels)}${Object.keys(base).length > 0 ? ',' : ''}`),
      defect: `unknown field nested ${levels} deep`,
    })),
  ];
  if (properties.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...properties), anyJson, oddStringsIn(route)).chain(([[name, schema], value, base]) => {
        const allowed = allowedTypes(schema);
        const wrong = allowed.has(jsonType(value)) ? (allowed.has('string') ? 12345 : 'wrong type') : value;
        return fc.constant({ payload: JSON.stringify({ ...base, [name]: wrong }), defect: `${name} of type ${jsonType(wrong)}` });
      }),
      fc.tuple(fc.constantFrom(...properties), fc.integer({ min: 1_000, max: 10_000 })).map(([[name], levels]) => ({
        payload: JSON.stringify(baseBody(route)).replace(`"${name}":`, `"${name}":${deepNesting(levels)},"${name}_was":`),
        defect: `${name} nested ${levels} deep (and an unknown field)`,
      })),
    );
  }
  if (required.length > 0) {
    variants.push(
      fc.tuple(fc.constantFrom(...required), oddStringsIn(route)).map(([name, base]) => {
        const { [name]: _dropped, ...rest } = base;
        return { payload: JSON.stringify(rest), defect: `missing ${name}` };
      }),
    );
  }
  return fc.oneof(...variants);
}

/** The route's plausible body with some string fields replaced by odd strings (never the only defect). */
function oddStringsIn(route: RouteSpec): fc.Arbitrary<Record<string, unknown>> {
  const strings = propertiesOf(route).filter(([, schema]) => allowedTypes(schema).has('string'));
  if (strings.length === 0) return fc.constant(baseBody(route));
  return fc.array(fc.tuple(fc.constantFrom(...strings.map(([name]) => name)), oddString), { maxLength: 2 }).map((replacements) => ({
    ...baseBody(route),
    ...Object.fromEntries(replacements),
  }));
}

/** Text that is not JSON: cut short, trailing garbage, single quotes, comments, NaN, raw control characters, invalid UTF-8. */
export function brokenJson(route: RouteSpec): fc.Arbitrary<{ payload: string | Buffer; defect: string }> {
  return fc.tuple(oddStringsIn(route), fc.nat(), fc.constantFrom('truncated', 'garbage', 'quotes', 'comment', 'nan', 'control', 'utf8', 'bom-truncated', 'trailing-comma', 'empty-key-only')).map(
    ([base, cut, kind]) => {
      const text = JSON.stringify({ ...base, fuzz: 1 });
      switch (kind) {
        case 'truncated':
          // At least one character: an empty body is "no body", which body-less routes accept.
          return { payload: text.slice(0, 1 + (cut % (text.length - 1))), defect: 'JSON cut short' };
        case 'garbage':
          return { payload: `${text}}{"`, defect: 'garbage after JSON' };
        case 'quotes':
          return { payload: text.replaceAll('"', "'"), defect: 'single-quoted JSON' };
        case 'comment':
          return { payload: `/* hi */${text}`, defect: 'JSON with a comment' };
        case 'nan':
          return { payload: '{"fuzz": NaN, "x": Infinity, "y": undefined}', defect: 'NaN in JSON' };
        case 'control':
          return { payload: '{"fuzz":"a\u0000b\u0001c\nd"}', defect: 'raw control characters in a string' };
        case 'utf8':
          return { payload: Buffer.concat([Buffer.from('{"fuzz":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('"}')]), defect: 'invalid UTF-8' };
        case 'bom-truncated':
          return { payload: `\ufeff${text.slice(0, -1)}`, defect: 'BOM and cut short' };
        case 'trailing-comma':
          return { payload: text.replace(/}$/, ',}'), defect: 'trailing comma' };
        case 'empty-key-only':
          return { payload: '{:}', defect: 'key without name' };
      }
    },
  );
}
