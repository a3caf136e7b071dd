import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a secret someone offered with the one we hold. Both are hashed first, so the lengths
 * match and neither the length nor the content of ours shows in the comparison's timing.
 */
export const sameSecret = (offered: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(offered).digest(), createHash('sha256').update(expected).digest());
