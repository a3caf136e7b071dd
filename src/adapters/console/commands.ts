import type { CommandRouter } from '../../commands/router.ts';
import type { CommandReply } from '../../commands/context.ts';

/** Runs a typed command line ("/status messaging") as a console user, for the demo and tests. */
export const runConsoleCommand = async (
  router: CommandRouter,
  line: string,
  userId = 'console-user',
  localeHint?: string,
): Promise<CommandReply> => {
  const [command = '', ...args] = line.trim().split(/\s+/);
  return router.handle({
    platform: 'console',
    userId,
    chatId: userId,
    chatKind: 'dm',
    command,
    args,
    ...(localeHint ? { localeHint } : {}),
    isChannelAdmin: async () => true,
  });
};
