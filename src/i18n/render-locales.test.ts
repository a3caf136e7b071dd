import { describe, it, expect, beforeAll } from 'vitest';
import { Translator } from './i18n.ts';
import { renderEvent, type RenderContext } from './render.ts';
import { toPlainText } from './message.ts';
import { FSI, PDI, RLM, showBidi } from './bidi.ts';
import { formatDuration, formatPercent } from './format.ts';
import type { Incident, StatusEvent } from '../core/model.ts';

/** The demo's components, named as an operator would name them in each language. */
const NAMES: Record<string, Record<string, string>> = {
  messaging: { ar: 'المراسلة', hi: 'मैसेजिंग', ja: 'メッセージ', ru: 'Сообщения', 'zh-TW': '訊息' },
  media: { ar: 'Media CDN', hi: 'फ़ोटो और मीडिया', ja: '写真とメディア', ru: 'Фото и медиа', 'zh-TW': '圖片與媒體' },
};

const incident: Incident = {
  key: 'page:inc1',
  sourceId: 'page',
  kind: 'incident',
  name: 'Messages fail to send',
  status: 'identified',
  impact: 'major',
  startedAt: '2026-03-02T09:00:00.000Z',
  url: 'https://stspg.io/abc',
  componentIds: ['messaging', 'media'],
  updates: [{ id: 'u1', status: 'identified', body: 'A database node failed.', createdAt: '2026-03-02T09:30:00.000Z' }],
};
const opened: StatusEvent = {
  type: 'incident',
  id: 'page:inc1:u:u1',
  phase: 'updated',
  incident,
  update: incident.updates[0]!,
  components: [
    { id: 'messaging', name: 'Messaging', status: 'major_outage' },
    { id: 'media', name: 'Media', status: 'degraded_performance' },
  ],
  severity: 'critical',
  at: '2026-03-02T09:30:00.000Z',
};
const resolved = {
  ...opened,
  id: 'page:inc1:s:resolved',
  phase: 'resolved',
  incident: { ...incident, status: 'resolved', resolvedAt: '2026-03-02T10:25:00.000Z' },
  components: [{ id: 'messaging', name: 'Messaging', status: 'operational' }],
} as StatusEvent;

const component: StatusEvent = {
  type: 'component',
  id: 'c',
  component: { id: 'media', name: 'Media', status: 'partial_outage' },
  previous: 'operational',
  severity: 'major',
  at: '2026-03-02T10:00:00.000Z',
};

function EXPECTED_CASES(): [string, string, StatusEvent, string, string[]][] {
  return [
    [
      'ar',
      'opened',
      opened,
      'ar',
      [
        '🔴 ‹RLM›⁅Chatter⁆ · ⁅حادث حرج⁆ · ⁅تم تحديد السبب⁆',
        'Messages fail to send',
        '',
        'A database node failed.',
        '',
        'المتأثر: ⁅المراسلة⁆ (انقطاع كبير) و⁅Media CDN⁆ (أداء متراجع)',
        'منذ: ‹RLM›⁅2 مارس 2026، 09:00 ص UTC⁆ (قبل ⁅1 س و30 د⁆)',
        '',
        'ما يمكنك فعله',
        '• أعد المحاولة بعد بضع دقائق؛ ما ترسله لا يضيع من جهتك.',
        '',
        'صفحة الحالة: https://stspg.io/abc',
        '',
        'آخر تحديث: ⁅2 مارس 2026، 10:30 ص UTC⁆',
      ],
    ],
    [
      'hi',
      'opened',
      opened,
      'hi',
      [
        '🔴 Chatter · गंभीर घटना · कारण का पता चला',
        'Messages fail to send',
        '',
        'A database node failed.',
        '',
        'प्रभावित: मैसेजिंग (बड़ी रुकावट) और फ़ोटो और मीडिया (धीमा प्रदर्शन)',
        'कब से: 2 मार्च 2026, 09:00 am UTC (1 घं॰ 30 मि॰ पहले)',
        '',
        'आप क्या कर सकते हैं',
        '• कुछ मिनट बाद फिर से कोशिश करें; आपकी ओर से भेजा गया कुछ भी खोया नहीं जाता।',
        '',
        'स्टेटस पेज: https://stspg.io/abc',
        '',
        'अपडेट किया गया: 2 मार्च 2026, 10:30 am UTC',
      ],
    ],
    [
      'ja',
      'opened',
      opened,
      'ja',
      [
        '🔴 Chatter · 深刻な障害 · 原因特定',
        'Messages fail to send',
        '',
        'A database node failed.',
        '',
        '影響範囲: メッセージ（大規模停止）、写真とメディア（パフォーマンス低下）',
        '発生日時: 2026年3月2日 09:00 UTC（1 時間30 分前）',
        '',
        'お客様にできること',
        '• 数分後にもう一度お試しください。送信した内容がお客様の側で失われることはありません。',
        '',
        'ステータスページ: https://stspg.io/abc',
        '',
        '更新：2026年3月2日 10:30 UTC',
      ],
    ],
    [
      'ru',
      'opened',
      opened,
      'ru',
      [
        '🔴 Chatter · Критический инцидент · Причина установлена',
        'Messages fail to send',
        '',
        'A database node failed.',
        '',
        'Затронуто: Сообщения (Серьёзный сбой) и Фото и медиа (Снижена производительность)',
        'Начало: 2 мар. 2026 г., 09:00 UTC (1 ч 30 мин назад)',
        '',
        'Что можно сделать',
        '• Повторите попытку через несколько минут; отправленное вами не потеряется.',
        '',
        'Страница статуса: https://stspg.io/abc',
        '',
        'Обновлено: 2 мар. 2026 г., 10:30 UTC',
      ],
    ],
    [
      'zh-TW',
      'opened',
      opened,
      'zh-TW',
      [
        '🔴 Chatter · 嚴重事件 · 已確認原因',
        'Messages fail to send',
        '',
        'A database node failed.',
        '',
        '受影響: 訊息（嚴重中斷）和圖片與媒體（效能降低）',
        '開始時間: 2026年3月2日 上午09:00 [UTC]（1 小時30 分鐘前）',
        '',
        '您可以這樣做',
        '• 請幾分鐘後再試；您這邊傳送的內容不會遺失。',
        '',
        '狀態頁面: https://stspg.io/abc',
        '',
        '更新於 2026年3月2日 上午10:30 [UTC]',
      ],
    ],
    [
      'ar',
      'resolved',
      resolved,
      'ar',
      [
        '✅ ‹RLM›⁅Chatter⁆ · ⁅حادث حرج⁆ · ⁅تم الحل⁆',
        'Messages fail to send',
        '',
        'تم الحل بعد ⁅1 س و25 د⁆. المتأثر: ⁅المراسلة⁆.',
        '',
        'A database node failed.',
        '',
        'المتأثر: ⁅المراسلة⁆ (يعمل بشكل طبيعي)',
        'المدة: 1 س و25 د',
        '',
        'صفحة الحالة: https://stspg.io/abc',
        '',
        'آخر تحديث: ⁅2 مارس 2026، 10:30 ص UTC⁆',
      ],
    ],
    [
      'ru',
      'resolved',
      resolved,
      'ru',
      [
        '✅ Chatter · Критический инцидент · Устранено',
        'Messages fail to send',
        '',
        'Устранено через 1 ч 25 мин. Затронуто: Сообщения.',
        '',
        'A database node failed.',
        '',
        'Затронуто: Сообщения (Работает штатно)',
        'Длительность: 1 ч 25 мин',
        '',
        'Страница статуса: https://stspg.io/abc',
        '',
        'Обновлено: 2 мар. 2026 г., 10:30 UTC',
      ],
    ],
    [
      'zh-TW',
      'resolved',
      resolved,
      'zh-TW',
      [
        '✅ Chatter · 嚴重事件 · 已解決',
        'Messages fail to send',
        '',
        '已於 1 小時25 分鐘 後解決。受影響：訊息。',
        '',
        'A database node failed.',
        '',
        '受影響: 訊息（正常運作）',
        '持續時間: 1 小時25 分鐘',
        '',
        '狀態頁面: https://stspg.io/abc',
        '',
        '更新於 2026年3月2日 上午10:30 [UTC]',
      ],
    ],
    [
      'ar',
      'component',
      component,
      'ar',
      [
        '🟠 ‹RLM›⁅Chatter⁆ · ⁅Media CDN⁆: ⁅انقطاع جزئي⁆',
        'تغيّرت حالة ⁅Media CDN⁆ من «⁅يعمل بشكل طبيعي⁆» إلى «⁅انقطاع جزئي⁆»',
        '',
        'منذ: ‹RLM›⁅2 مارس 2026، 10:00 ص UTC⁆ (قبل ⁅30 د⁆)',
        '',
        'ما يمكنك فعله',
        '• أعد المحاولة بعد بضع دقائق؛ ما ترسله لا يضيع من جهتك.',
        '',
        'آخر تحديث: ⁅2 مارس 2026، 10:30 ص UTC⁆',
      ],
    ],
    [
      'ja',
      'component',
      component,
      'ja',
      [
        '🟠 Chatter · 写真とメディア：一部停止',
        '写真とメディアの状態が「正常稼働」から「一部停止」に変わりました',
        '',
        '発生日時: 2026年3月2日 10:00 UTC（30 分前）',
        '',
        'お客様にできること',
        '• 数分後にもう一度お試しください。送信した内容がお客様の側で失われることはありません。',
        '',
        '更新：2026年3月2日 10:30 UTC',
      ],
    ],
  ];
}

let ctx: RenderContext;
let translator: Translator;
beforeAll(async () => {
  translator = await Translator.create();
  ctx = {
    translator,
    serviceName: 'Chatter',
    timezone: 'UTC',
    now: '2026-03-02T10:30:00.000Z',
    fallbackLocale: 'en',
    componentName: (c, locale) => NAMES[c.id]?.[locale] ?? c.name,
    adviceFor: (e) => (e.type === 'incident' && e.incident.status === 'resolved' ? [] : ['retry_later']),
  };
});

const lines = (event: StatusEvent, locale: string) => showBidi(toPlainText(renderEvent(event, locale, ctx))).split('\n');

describe('exact rendering (⁅ ⁆ show the invisible first-strong isolate FSI … PDI)', () => {
  it.each(EXPECTED_CASES())('%s %s', (_locale, _what, event, locale, expected) => {
    expect(lines(event, locale)).toEqual(expected);
  });
});

describe('right to left', () => {
  it('isolates every interpolated value in Arabic, so the title is laid out right to left from its first Arabic word', () => {
    const m = renderEvent(opened, 'ar', ctx);
    expect(m.dir).toBe('rtl');
    expect(m.title.startsWith(`${RLM}${FSI}Chatter${PDI}`)).toBe(true);
    // Rule P2 of UAX #9 skips isolates: outside them the first strong character must be right to left.
    for (const line of toPlainText(m)
      .split('\n')
      .filter((l) => /[\u2068\u200F]/.test(l))) {
      const outside = line.replace(/\u2068[^\u2069]*\u2069/g, '');
      expect(outside.match(/[\p{L}\u200F]/u)?.[0], showBidi(line)).toMatch(/[\u200F\p{Script=Arabic}]/u);
    }
  });

  it('contains a hostile right-to-left override in a component name inside its isolate', () => {
    const hostile = { ...opened, components: [{ id: 'x', name: '\u202Eevil\u2069\u202E', status: 'major_outage' as const }] };
    const value = renderEvent(hostile, 'ar', ctx).fields[0]!.value;
    expect(value).not.toMatch(/\u202E/);
    expect(showBidi(value)).toBe('⁅evil⁆ (انقطاع كبير)');
  });

  it('leaves left-to-right locales free of bidi marks', () => {
    for (const locale of ['hi', 'ja', 'ru', 'zh-TW'])
      expect(toPlainText(renderEvent(opened, locale, ctx))).not.toMatch(/[\u200E\u200F\u2066-\u2069]/);
  });
});

describe('plurals and numbers through Intl', () => {
  it.each([
    ['ru', 1, 'Chatter · 1 обновление за время тихих часов'],
    ['ru', 3, 'Chatter · 3 обновления за время тихих часов'],
    ['ru', 11, 'Chatter · 11 обновлений за время тихих часов'],
    ['ru', 21, 'Chatter · 21 обновление за время тихих часов'],
    ['ar', 3, '‹RLM›⁅Chatter⁆ · ⁅3⁆ تحديثات خلال ساعات الهدوء'],
    ['ar', 11, '‹RLM›⁅Chatter⁆ · ⁅11⁆ تحديثًا خلال ساعات الهدوء'],
    ['ar', 100, '‹RLM›⁅Chatter⁆ · ⁅100⁆ تحديث خلال ساعات الهدوء'],
    ['ja', 1, 'Chatter · おやすみ時間中の更新 1 件'],
    ['zh-TW', 2, 'Chatter · 勿擾時段內共有 2 則更新'],
    ['hi', 1, 'Chatter · आपके शांत समय के दौरान 1 अपडेट'],
  ])('%s, count %i', (locale, count, expected) => {
    expect(showBidi(translator.t(locale)('quiet.summaryTitle', { service: 'Chatter', count }))).toBe(expected);
  });

  it.each([
    ['ar', 90 * 60_000, '1 س و30 د'],
    ['ru', 90 * 60_000, '1 ч 30 мин'],
    ['hi', 90 * 60_000, '1 घं॰ 30 मि॰'],
    ['ja', 25 * 3_600_000, '1 日1 時間'],
    ['zh-TW', 5 * 60_000, '5 分鐘'],
  ])('duration in %s', (locale, ms, expected) => {
    expect(formatDuration(ms, locale)).toBe(expected);
  });

  it.each([
    ['ar', '99.95‎%‎'],
    ['hi', '99.95%'],
    ['ru', '99,95\u00A0%'],
    ['ja', '99.95%'],
    ['zh-TW', '99.95%'],
  ])('percent in %s', (locale, expected) => {
    expect(formatPercent(99.95, locale)).toBe(expected);
  });
});
