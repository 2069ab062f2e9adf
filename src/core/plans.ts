export type Feature = 'mfa_enforcement';

export type PlanCatalog = Readonly<Record<string, readonly Feature[]>>;

/** Built-in plans; GATEHOUSE_PLANS (JSON: name → features) replaces them. */
export const BUILT_IN_PLANS: PlanCatalog = Object.freeze({
  free: [],
  team: ['mfa_enforcement'],
  business: ['mfa_enforcement'],
  enterprise: ['mfa_enforcement'],
});

export function planHas(catalog: PlanCatalog, plan: string, feature: Feature): boolean {
  return catalog[plan]?.includes(feature) ?? false;
}
