import { DeliveryError } from '../../core/errors.ts';

/** The console cannot be rate limited or gone; a broken stdout is a transient failure. */
export const classifyConsoleError = (e: unknown): DeliveryError =>
  new DeliveryError({ platform: 'console', kind: 'transient', code: 'write_failed', message: (e as Error).message, cause: e });
