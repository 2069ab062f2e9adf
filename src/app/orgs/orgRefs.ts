/** Lists of organizations in response bodies are `{ slug, name }` objects (contract). */
export function orgRefs(orgs: readonly { slug: string; name: string }[]): { slug: string; name: string }[] {
  return orgs.map((org) => ({ slug: org.slug, name: org.name }));
}
