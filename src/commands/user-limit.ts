import type { Logger } from 'pino';
import type { Counter } from '../storage/counter.ts';

/** Commands one user may give per window, on any platform instance of the fleet: a burst of 10, about one a second. */
export const COMMANDS_PER_WINDOW = 10;
export const COMMAND_WINDOW_MS = 10_000;

export type Admission =
  /** Within the budget: answer the command. */
  | { readonly kind: 'answer' }
  /** The first command over the budget in this window: say so, politely, with the wait. */
  | { readonly kind: 'slow_down'; readonly seconds: number }
  /** Already told in this window: stay quiet where the platform allows it. */
  | { readonly kind: 'quiet'; readonly seconds: number };

/**
 * The per-user command limit, counted in the store (Counter) so that every instance of a fleet
 * draws on the same budget: a user cannot multiply it by landing on several instances.
 */
export class CommandBudget {
  constructor(
    private readonly counter: Counter,
    private readonly log: Logger | undefined,
    private readonly limit = COMMANDS_PER_WINDOW,
    private readonly windowMs = COMMAND_WINDOW_MS,
  ) {}

  async admit(userKey: string): Promise<Admission> {
    let state;
    try {
      state = await this.counter.increment(userKey, this.windowMs);
    } catch (e) {
      // A store that does not answer must not turn every command into a refusal: answer, unlimited.
      this.log?.warn({ err: (e as Error).message }, 'command limit unavailable (store error); answering without it');
      return { kind: 'answer' };
    }
    if (state.count <= this.limit) return { kind: 'answer' };
    const seconds = Math.max(1, Math.ceil(state.resetInMs / 1000));
    return state.count === this.limit + 1 ? { kind: 'slow_down', seconds } : { kind: 'quiet', seconds };
  }
}
