import { startTestApp, type TestApp } from './app.ts';

/** The demo's service (12 languages, 5 components, its advice rules) with a maintenance scheduled, no sources. */
export const OUTAGE_YAML = (publicUrl?: string) => `
service: { name: Chatter, locales: [en, zh-CN, zh-TW, es, pt-BR, hi, id, ar, ru, fr, de, ja], timezone: UTC${publicUrl ? `, publicUrl: "${publicUrl}"` : ''} }
components:
  - { id: messaging, group: Core, name: { en: "Messaging", zh-CN: "消息", zh-TW: "訊息", es: "Mensajería", pt-BR: "Mensagens", hi: "मैसेजिंग", id: "Pesan", ar: "المراسلة", ru: "Сообщения", fr: "Messagerie", de: "Nachrichten", ja: "メッセージ" } }
  - { id: calls, group: Core, name: { en: "Voice and video calls", zh-CN: "语音和视频通话", ar: "المكالمات الصوتية والمرئية", ja: "音声・ビデオ通話" } }
  - { id: media, name: { en: "Photos and media", zh-CN: "图片和媒体", ar: "الصور والوسائط", ja: "写真とメディア" } }
  - { id: login, name: { en: "Sign-in", zh-CN: "登录", ar: "تسجيل الدخول", ja: "ログイン" } }
  - { id: api, name: { en: "Public API", zh-CN: "开放接口", ar: "الواجهة البرمجية العامة", ja: "公開API" } }
sources:
  - { id: ops, type: manual }
announce:
  - { platform: console, channel: "#announcements", locale: en }
advice:
  - { when: { components: [messaging] }, say: [check_connectivity, retry_later] }
  - { when: { severity: major }, say: [use_alternative_channel, follow_status_page] }
`;

/** The demo's outage: messaging down, investigated then identified, with KPI samples recorded. */
export const openOutage = async (t: TestApp, name = 'Messages are delayed or fail to send'): Promise<string> => {
  const { app } = t;
  const opened = app.manual.open({
    name,
    impact: 'critical',
    message: 'We are investigating reports that messages are delayed or fail to send.',
    components: ['messaging'],
    componentStatus: 'major_outage',
  });
  for (const c of opened.changes) await app.ingest(c);
  const incident = app.tracker.incident(`ops:${opened.id}`)!;
  for (const c of app.manual.update(incident, {
    status: 'identified',
    message: 'A failed network link in one data centre. Traffic is being moved to another site.',
  }))
    await app.ingest(c);
  const at = new Date().toISOString();
  await app.recordSamples('ops', [
    { component: 'messaging', metric: 'response_time_ms', value: 420, at },
    { component: 'messaging', metric: 'error_rate_percent', value: 12, at },
  ]);
  await app.processed();
  return `ops:${opened.id}`;
};

export const startOutageApp = async (publicUrl?: string): Promise<{ t: TestApp; key: string }> => {
  const t = await startTestApp(OUTAGE_YAML(publicUrl), { ADMIN_API_TOKEN: 'status-page-admin-token' });
  const key = await openOutage(t);
  return { t, key };
};
