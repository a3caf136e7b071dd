import { parseConfigText, type AppConfig } from '../core/config.ts';

/** The demo's config: the SPEC story's service, two languages, the console as the only platform. */
export const demoConfig = (base: AppConfig, pageUrl: string, fast: boolean): AppConfig => {
  const yaml = `
service: { name: Chatter, locales: [en, zh-CN], timezone: UTC }
components:
  - { id: messaging, name: { en: Messaging, zh-CN: 消息 } }
  - { id: calls, name: { en: Voice and video calls, zh-CN: 语音和视频通话 } }
  - { id: media, name: { en: Photos and media, zh-CN: 图片和媒体 } }
  - { id: login, name: { en: Sign-in, zh-CN: 登录 } }
sources:
  - { id: page, type: statuspage, url: "${pageUrl}", interval: ${fast ? '1s' : '2s'} }
announce:
  - { platform: console, channel: "#announcements", locale: en }
  - { platform: console, channel: "#公告", locale: zh-CN }
advice:
  - { when: { components: [messaging] }, say: [check_connectivity, retry_later] }
  - { when: { severity: major }, say: [use_alternative_channel, follow_status_page] }
`;
  return { ...parseConfigText(yaml, {}, 'demo'), env: base.env, demo: true };
};
