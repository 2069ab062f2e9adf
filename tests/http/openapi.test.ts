/**
 * The served OpenAPI is generated from the route schemas and must agree with the contract in
 * docs/contract/API.md (the copy of ../shared/API.md): every endpoint it names is described, with its method, and every error code
 * it names is one the server can answer.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/http/errorStatus.ts';
import { call } from '../helpers/client.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

// The contract travels with the code (docs/contract/API.md, a copy of ../shared/API.md) so a clone
// anywhere can check itself against it; the test below keeps the copy identical to the original.
const CONTRACT = readFileSync(fileURLToPath(new URL('../../docs/contract/API.md', import.meta.url)), 'utf8');
const SHARED_CONTRACT = fileURLToPath(new URL('../../../shared/API.md', import.meta.url));
// Codes the contract does not name are documented here, in a section of their own.
const ARCHITECTURE = readFileSync(fileURLToPath(new URL('../../docs/architecture.md', import.meta.url)), 'utf8');

function contractEndpoints(): Array<[string, string]> {
  const found = new Map<string, [string, string]>();
  const pattern = /`((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\/[^`\s\[]+)/g;
  for (const match of CONTRACT.matchAll(pattern)) {
    const path = match[2]!.replace(/\/$/, '');
    for (const method of match[1]!.split('/')) found.set(`${method} ${path}`, [method, path]);
  }
  // "`GET`/`DELETE` to list and revoke" tokens, and "`DELETE` to revoke" invitations: spelled in prose.
  found.set('GET /v1/me/tokens', ['GET', '/v1/me/tokens']);
  found.set('DELETE /v1/orgs/{slug}/invitations/{id}', ['DELETE', '/v1/orgs/{slug}/invitations/{id}']);
  found.set('PATCH /v1/orgs/{slug}/members/{user_id}', ['PATCH', '/v1/orgs/{slug}/members/{user_id}']);
  found.set('DELETE /v1/orgs/{slug}/members/{user_id}', ['DELETE', '/v1/orgs/{slug}/members/{user_id}']);
  return [...found.values()];
}

/** `{id}` and `{token_id}` name the same segment: compare shapes, not parameter names. */
const shape = (path: string): string => path.replace(/\{[^}]+\}/g, '{}');

let h: Harness;
let spec: {
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: { schemas: Record<string, { oneOf?: { const?: string; enum?: string[]; title: string }[] }> };
};
beforeAll(async () => {
  h = await startHarness();
  spec = (await call(h, 'GET', '/openapi.json')).body;
});
afterAll(async () => {
  await h?.close();
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1', () => {
    expect((spec as unknown as { openapi: string }).openapi).toMatch(/^3\.1/);
  });

  it.each(contractEndpoints())('describes %s %s', (method, path) => {
    const served = Object.entries(spec.paths).find(([candidate]) => shape(candidate) === shape(path));
    expect(served, `${path} is not in the OpenAPI document`).toBeDefined();
    const operation = served![1][method.toLowerCase()];
    expect(operation, `${method} ${path} is not in the OpenAPI document`).toBeDefined();
    expect(Object.keys(operation!.responses ?? {}).length).toBeGreaterThan(0);
  });

  it('every operation documents 400, which any request can get before its handler runs', () => {
    const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { responses?: Record<string, unknown> }>).map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter(({ operation }) => !operation.responses?.['400']).map(({ where }) => where)).toEqual([]);
  });

  it('finds the endpoints of the contract (the parser is not silently empty)', () => {
    expect(contractEndpoints().length).toBeGreaterThan(35);
  });
});

describe('the contract copy', () => {
  it('is word for word the shared contract, wherever the shared one sits beside the checkout', () => {
    // A clone elsewhere (CI) has only the copy; beside the shared folder, a drifted copy fails here.
    const shared = existsSync(SHARED_CONTRACT) ? readFileSync(SHARED_CONTRACT, 'utf8') : CONTRACT;
    expect(shared).toBe(CONTRACT);
  });
});

describe('error codes', () => {
  it('the document serves every code the server can answer, titled with its status', () => {
    const served = spec.components.schemas.ErrorCode?.oneOf ?? [];
    // @fastify/swagger writes each `const` as a one-value `enum`.
    expect(Object.fromEntries(served.map((choice) => [choice.const ?? choice.enum?.[0], choice.title]))).toEqual(
      Object.fromEntries(Object.entries(ERROR_STATUS).map(([code, status]) => [code, `${status} ${code}`])),
    );
  });

  it('every code the contract does not name is documented, with its status, in docs/architecture.md', () => {
    const section = ARCHITECTURE.split('## Error codes beyond the contract')[1]?.split('\n## ')[0] ?? '';
    const beyond = Object.entries(ERROR_STATUS).filter(([code]) => !CONTRACT.includes(`\`${code}\``));
    expect(beyond.map(([code]) => code)).toContain('password_change_required');
    for (const [code, status] of beyond) expect(section, `${code} is not documented`).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it('every code the contract names has a status in the one mapping table', () => {
    const named = new Set([...CONTRACT.matchAll(/\b(\d{3}) `([a-z_]+)`/g)].map((match) => [match[2]!, Number(match[1])] as const).map(([code, status]) => `${code}:${status}`));
    expect(named.size).toBeGreaterThan(30);
    for (const entry of named) {
      const [code, status] = entry.split(':') as [keyof typeof ERROR_STATUS, string];
      expect(ERROR_STATUS[code], `${code} is missing from src/http/errorStatus.ts`).toBe(Number(status));
    }
  });
});
