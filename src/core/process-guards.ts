import type { Logger } from 'pino';

let installed: ((reason: unknown) => void) | undefined;

/**
 * A promise rejected with no handler would end the process (Node's default since v15) in the middle
 * of a broadcast, with the outbox half-flushed. Each part already retries its own failures; one that
 * slips through is logged and the bot keeps running. Uncaught exceptions still end it: after one,
 * the state is unknown.
 * https://nodejs.org/api/process.html#event-unhandledrejection
 */
export const logUnhandledRejections = (log: Pick<Logger, 'error'>): void => {
  if (installed) process.off('unhandledRejection', installed);
  installed = (reason: unknown) => log.error({ err: reason }, 'unhandled promise rejection (logged; the bot keeps running)');
  process.on('unhandledRejection', installed);
};
