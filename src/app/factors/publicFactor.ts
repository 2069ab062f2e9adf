import type { FactorRow } from '../../db/queries/factors.ts';

export interface PublicFactor {
  id: string;
  type: string;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
  phishing_resistant: boolean;
}

export function publicFactor(factor: FactorRow): PublicFactor {
  return {
    id: factor.id,
    type: factor.type,
    name: factor.name,
    created_at: factor.created_at,
    last_used_at: factor.last_used_at,
    phishing_resistant: factor.phishing_resistant,
  };
}
