import fc from 'fast-check';

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));
/** Strings that have broken parsers, loggers, serializers and databases elsewhere. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\ud83d',
    '\u202egnp.exe',
    '\u200b\u200c\u200d\u2060',
    '\ufeff',
    'e\u0301'.repeat(200),
    '🦄'.repeat(40),
    '\u{10FFFF}\u{E0001}',
    '\u0085\u2028\u2029',
    '\r\nX-Injected: 1',
    '../../../../etc/passwd',
    "' OR '1'='1' --",
    '<script>alert(1)</script>',
    '${jndi:ldap://127.0.0.1/a}',
    '{{7*7}}',
    '%00%ff',
    'null',
    '',
    ' ',
  ),
  fc.array(loneSurrogate, { minLength: 1, maxLength: 4 }).map((units) => units.join('')),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer({ min: 1_000, max: 20_000 }).map((length) => '\u05d0'.repeat(length)),
);

/** A value of each JSON type, for "wrong type" mutations. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53 + 1, -0, 1e308, '', '0', 'true', [], {}, [null], { '': '' }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  oddString,
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

