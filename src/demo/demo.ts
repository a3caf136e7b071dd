import { parseConfigText, type AppConfig } from '../core/config.ts';
import { DEMO_SCRIPT } from './simulated-page.ts';

/** The demo's config: the README's example service in all twelve languages, announced in two, the console as the only platform. */
export const demoConfig = (base: AppConfig, pageUrl: string, fast: boolean): AppConfig => {
  // One digest right after the story ends (a one-off time instead of a daily cron).
  const storySeconds = DEMO_SCRIPT.at(-1)!.at / (fast ? 6 : 1);
  const digestAt = new Date(Math.ceil((Date.now() + (storySeconds + 1.5) * 1000) / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const every = fast ? '500ms' : '2s';
  const yaml = `
service: { name: Chatter, locales: [en, zh-CN, zh-TW, es, pt-BR, hi, id, ar, ru, fr, de, ja], timezone: UTC }
components:
  - id: messaging
    name: { en: "Messaging", zh-CN: "消息", zh-TW: "訊息", es: "Mensajería", pt-BR: "Mensagens", hi: "मैसेजिंग", id: "Pesan", ar: "المراسلة", ru: "Сообщения", fr: "Messagerie", de: "Nachrichten", ja: "メッセージ" }
  - id: calls
    name: { en: "Voice and video calls", zh-CN: "语音和视频通话", zh-TW: "語音與視訊通話", es: "Llamadas de voz y vídeo", pt-BR: "Chamadas de voz e vídeo", hi: "वॉइस और वीडियो कॉल", id: "Panggilan suara dan video", ar: "المكالمات الصوتية والمرئية", ru: "Аудио- и видеозвонки", fr: "Appels audio et vidéo", de: "Sprach- und Videoanrufe", ja: "音声・ビデオ通話" }
  - id: media
    name: { en: "Photos and media", zh-CN: "图片和媒体", zh-TW: "圖片與媒體", es: "Fotos y archivos", pt-BR: "Fotos e mídia", hi: "फ़ोटो और मीडिया", id: "Foto dan media", ar: "الصور والوسائط", ru: "Фото и медиафайлы", fr: "Photos et médias", de: "Fotos und Medien", ja: "写真とメディア" }
  - id: login
    name: { en: "Sign-in", zh-CN: "登录", zh-TW: "登入", es: "Inicio de sesión", pt-BR: "Login", hi: "साइन-इन", id: "Masuk akun", ar: "تسجيل الدخول", ru: "Вход в аккаунт", fr: "Connexion", de: "Anmeldung", ja: "ログイン" }
  - id: api
    name: { en: "Public API", zh-CN: "开放接口", zh-TW: "開放介面", es: "API pública", pt-BR: "API pública", hi: "सार्वजनिक API", id: "API publik", ar: "الواجهة البرمجية العامة", ru: "Открытый API", fr: "API publique", de: "Öffentliche API", ja: "公開API" }
sources:
  - { id: page, type: statuspage, url: "${pageUrl}", interval: ${fast ? '1s' : '2s'} }
  - id: metrics
    type: prometheus
    url: "${pageUrl}"
    interval: ${every}
    queries:
      - { component: messaging, metric: response_time_ms, query: messaging_response_p95_ms }
      - { component: messaging, metric: latency_ms, query: messaging_latency_p95_ms }
      - { component: messaging, metric: error_rate_percent, query: messaging_error_rate_percent }
  - { id: api-probe, type: probe, component: api, url: "${pageUrl}health", interval: ${every}, timeout: 1s, degradedLatencyMs: 300, failuresToDown: 2, successesToUp: 2 }
announce:
  - { platform: console, channel: "#announcements", locale: en }
  - { platform: console, channel: "#公告", locale: zh-CN }
advice:
  - { when: { components: [messaging] }, say: [check_connectivity, retry_later] }
  - { when: { severity: major }, say: [use_alternative_channel, follow_status_page] }
digest: { cron: "${digestAt}", announce: true }
`;
  return { ...parseConfigText(yaml, {}, 'demo'), env: base.env, demo: true };
};
