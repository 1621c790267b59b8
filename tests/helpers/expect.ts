import { expect } from 'vitest';

/** |actual - expected| <= tol * max(|actual|, |expected|) (both exactly 0 passes). */
export function expectRel(actual: number | null | undefined, expected: number, tol = 1e-12): void {
  expect(actual).toBeTypeOf('number');
  const a = actual as number;
  const scale = Math.max(Math.abs(a), Math.abs(expected));
  if (scale === 0) return;
  expect(Math.abs(a - expected) / scale, `${a} vs ${expected}`).toBeLessThanOrEqual(tol);
}
