export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function violated(rule: string, detail: string): never {
  throw new InvariantViolation(`${rule}: ${detail}`);
}
