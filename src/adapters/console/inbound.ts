import type { CommandRouter } from '../../commands/router.ts';
import type { CommandInvocation, CommandReply } from '../../commands/context.ts';
import { parseConsoleLine } from './commands.ts';

/**
 * The console's inbound side: a typed command line as a console user (the demo, `status-relay`
 * subcommands and tests) becomes a platform-neutral `CommandInvocation`. A console user is in a
 * private conversation with the bot and manages it, so `/announce` is allowed.
 */
export const consoleInvocation = (line: string, userId = 'console-user', localeHint?: string): CommandInvocation => {
  const { command, args } = parseConsoleLine(line);
  return {
    platform: 'console',
    userId,
    chatId: userId,
    chatKind: 'dm',
    command,
    args,
    ...(localeHint ? { localeHint } : {}),
    isChannelAdmin: async () => true,
  };
};

/** Runs a typed command line ("/status messaging") as a console user and returns the router's answer. */
export const runConsoleCommand = async (
  router: CommandRouter,
  line: string,
  userId = 'console-user',
  localeHint?: string,
): Promise<CommandReply> => router.handle(consoleInvocation(line, userId, localeHint));
