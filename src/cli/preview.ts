import { readFileSync } from 'node:fs';
import type { Platform, StatusEvent } from '../core/model.ts';
import { parseIncident } from '../sources/statuspage/parse.ts';
import type { MessageModel } from '../i18n/message.ts';
import { renderConsole } from '../adapters/console/render.ts';
import { previewDiscord } from '../adapters/discord/render.ts';
import { renderTelegram } from '../adapters/telegram/render.ts';
import { renderSlack } from '../adapters/slack/render.ts';

/** Each platform's pure payload renderer, for `status-relay preview`. */
export const PREVIEWERS: Record<Platform, (m: MessageModel) => string> = {
  console: (m) => renderConsole({ platform: 'console', chatId: '#preview', kind: 'channel' }, m, 'preview'),
  telegram: (m) => JSON.stringify(renderTelegram(m), null, 2),
  slack: (m) => JSON.stringify(renderSlack(m), null, 2),
  discord: (m) => previewDiscord(m),
};

/** A StatusEvent JSON, or a Statuspage incident object (as in incidents.json), as an event. */
export const readEventFile = (path: string): StatusEvent => {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  if (json.type === 'incident' || json.type === 'component') return json as unknown as StatusEvent;
  const raw = (json.incident ?? json) as Record<string, unknown>;
  if (!Array.isArray(raw.incident_updates)) throw new Error(`${path}: expected a StatusEvent ({"type":"incident",…}) or a Statuspage incident`);
  const incident = parseIncident(raw, 'preview');
  const closed = incident.status === 'resolved' || incident.status === 'completed' || incident.status === 'postmortem';
  return {
    type: 'incident',
    id: 'preview',
    phase: closed ? 'resolved' : 'opened',
    incident,
    ...(incident.updates.at(-1) ? { update: incident.updates.at(-1)! } : {}),
    components: incident.componentIds.map((id) => ({ id, name: id, status: closed ? 'operational' : 'major_outage' })),
    severity: incident.impact,
    at: incident.updates.at(-1)?.createdAt ?? incident.startedAt,
  };
};
