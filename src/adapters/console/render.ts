import { toPlainText, type MessageModel } from '../../i18n/message.ts';
import type { Target } from '../../core/model.ts';

/** How a message looks in the terminal: a framed block naming where it would go. */
export const renderConsole = (target: Target, message: MessageModel, note: string, width = 78): string => {
  const where = `${target.kind === 'dm' ? 'DM' : 'channel'} ${target.chatId} · ${message.locale}`;
  const head = `┌─ ${where} · ${note} `;
  const lines = toPlainText(message).split('\n');
  const body = lines.map((l) => `│ ${l}`);
  return [head + '─'.repeat(Math.max(2, width - Array.from(head).length)), ...body, `└${'─'.repeat(width - 1)}`].join('\n');
};
