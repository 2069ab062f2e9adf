import { api, ApiError } from './api.ts';
import type { StoredCredentials } from './credentialsFile.ts';

/** An entry of GET /v1/orgs. */
export interface MyOrg {
  slug: string;
  name: string;
  role: string;
  state: 'active' | 'pending';
  access: 'ok' | 'grace' | 'blocked' | 'none';
  reinstate_until?: string | null;
}

export async function listMyOrgs(session: StoredCredentials): Promise<MyOrg[]> {
  const body = await api<{ orgs: MyOrg[] }>(session.server, 'GET', '/v1/orgs', { token: session.token });
  return body.orgs;
}

/**
 * The refusal the server would answer for this organization, judged from the list alone, so it
 * can be explained with the same words as a real refusal. Null when nothing stands in the way.
 */
export function standingProblem(org: MyOrg): ApiError | null {
  if (org.state === 'pending') {
    return new ApiError({ status: 403, code: 'membership_pending', detail: '', extra: { reinstate_until: org.reinstate_until ?? null } });
  }
  if (org.access === 'blocked') return new ApiError({ status: 403, code: 'mfa_enrollment_required', detail: '' });
  return null;
}
