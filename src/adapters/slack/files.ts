import type { WebClient } from '@slack/web-api';
import type { MessageModel } from '../../i18n/message.ts';
import { SLACK_ALT_TEXT_LIMIT } from './limits.ts';

export interface ChartUpload {
  /** A channel id (C…, G…) or a direct-message channel (D…): Slack shares files to channels, not to user ids. */
  readonly channel: string;
  readonly image: NonNullable<MessageModel['image']>;
  readonly threadTs?: string;
}

/**
 * Uploads a PNG and shares it: files.uploadV2 runs Slack's three steps — files.getUploadURLExternal,
 * the bytes to the upload URL, files.completeUploadExternal with `channel_id` (and `thread_ts`)
 * (https://docs.slack.dev/messaging/working-with-files#uploading_files). Needs the `files:write` scope.
 */
export const uploadChart = async (client: WebClient, upload: ChartUpload): Promise<void> => {
  const alt = [...upload.image.alt].slice(0, SLACK_ALT_TEXT_LIMIT).join('');
  const base = { file: upload.image.png, filename: 'chart.png', title: alt.slice(0, 250), alt_text: alt };
  await client.filesUploadV2(
    upload.threadTs ? { ...base, channel_id: upload.channel, thread_ts: upload.threadTs } : { ...base, channel_id: upload.channel },
  );
};
