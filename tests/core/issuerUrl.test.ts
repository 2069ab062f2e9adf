import { describe, expect, it } from 'vitest';
import { issuerProblem } from '../../src/core/issuerUrl.ts';

describe('issuerProblem', () => {
  it.each(['https://idp.example.com', 'https://login.example.com/tenant/v2.0', 'https://idp.example.com/'])('accepts %s', (issuer) => {
    expect(issuerProblem(issuer, { production: true })).toBeNull();
  });

  it('accepts plain HTTP on loopback outside production only', () => {
    for (const issuer of ['http://127.0.0.1:4000', 'http://localhost:4000', 'http://[::1]:4000']) {
      expect(issuerProblem(issuer, { production: false })).toBeNull();
      expect(issuerProblem(issuer, { production: true })).not.toBeNull();
    }
  });

  it.each(['http://idp.example.com', 'ftp://idp.example.com', 'https://idp.example.com?x=1', 'https://idp.example.com#f', 'https://user:pw@idp.example.com', 'idp.example.com', ''])(
    'refuses %j',
    (issuer) => {
      expect(issuerProblem(issuer, { production: false })).not.toBeNull();
    },
  );
});
