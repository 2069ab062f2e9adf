import { hashRecoveryCode, normalizeRecoveryCode } from '../../core/recoveryCodes.ts';
import { verifyTotp } from '../../core/totp.ts';
import { openSecret } from '../../crypto/secretBox.ts';
import type { FactorRow } from '../../db/queries/factors.ts';
import type { Repos } from '../../db/repos.ts';
import type { AppDeps } from '../deps.ts';

export type SecondFactorInput =
  | { type: 'totp'; code: string }
  | { type: 'recovery_code'; code: string }
  | { type: 'webauthn'; response: unknown };

export interface SecondFactorResult {
  amr: string[];
  phishingResistant: boolean;
}

/** Opens a TOTP secret; the factor id is bound as associated data so rows cannot be swapped. */
export function totpSecretOf(deps: AppDeps, factor: FactorRow): string {
  if (!factor.secret_sealed) throw new Error(`factor ${factor.id} has no secret`);
  return openSecret({ key: deps.secretKey, sealed: factor.secret_sealed, associatedData: factor.id });
}

/**
 * Checks one TOTP code against a factor and records its time step in the same statement that
 * checks freshness, so a code is accepted once even when two server processes race with it.
 */
export async function useTotpCode(deps: AppDeps, r: Repos, factor: FactorRow, code: string, now: Date): Promise<number | null> {
  const match = verifyTotp({ secret: totpSecretOf(deps, factor), code, now, lastUsedStep: factor.last_used_step });
  if (!match) return null;
  return (await r.factors.consumeTotpStep(factor.id, match.step, now)) ? match.step : null;
}

export type WebauthnAssertionVerifier = (
  deps: AppDeps,
  r: Repos,
  options: { userId: string; response: unknown; now: Date },
) => Promise<SecondFactorResult | null>;

/** Verifies the MFA step's second factor; null when it does not check out. */
export async function verifySecondFactor(
  deps: AppDeps,
  r: Repos,
  options: { userId: string; input: SecondFactorInput; now: Date; webauthn?: WebauthnAssertionVerifier },
): Promise<SecondFactorResult | null> {
  const { userId, input, now } = options;
  if (input.type === 'totp') {
    const factors = (await r.factors.listActive(userId)).filter((factor) => factor.type === 'totp');
    for (const factor of factors) {
      if ((await useTotpCode(deps, r, factor, input.code, now)) !== null) return { amr: ['pwd', 'otp', 'mfa'], phishingResistant: false };
    }
    return null;
  }
  if (input.type === 'recovery_code') {
    const normalized = normalizeRecoveryCode(input.code);
    if (normalized.length === 0) return null;
    const used = await r.factors.consumeRecoveryCode(userId, hashRecoveryCode(normalized), now);
    return used ? { amr: ['pwd', 'mfa'], phishingResistant: false } : null;
  }
  return options.webauthn ? options.webauthn(deps, r, { userId, response: input.response, now }) : null;
}
