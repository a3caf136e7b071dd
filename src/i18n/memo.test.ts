import { beforeAll, describe, expect, it } from 'vitest';
import { memoT, Translator } from './i18n.ts';

describe('memoT: each lookup of one render once', () => {
  let translator: Translator;
  beforeAll(async () => {
    translator = await Translator.create();
  });

  it('gives exactly what i18next gives, in every direction, with values and plurals', () => {
    for (const locale of ['en', 'ar', 'ja', 'ru']) {
      const t = translator.t(locale);
      const m = memoT(t);
      for (let round = 0; round < 2; round++) {
        expect(m('kpi.notEnoughData')).toBe(t('kpi.notEnoughData'));
        expect(m('componentStatus.major_outage')).toBe(t('componentStatus.major_outage'));
        expect(m('kpi.uptime', { window: '30 d' })).toBe(t('kpi.uptime', { window: '30 d' }));
        expect(m('kpi.uptime', { window: '7 d' })).toBe(t('kpi.uptime', { window: '7 d' }));
        for (const count of [1, 2, 5, 21]) expect(m('web:daysNoData', { count })).toBe(t('web:daysNoData', { count }));
      }
    }
  });

  it('keeps a value per (key, values): different values never share an answer', () => {
    const m = memoT(translator.t('en'));
    expect(m('kpi.uptime', { window: '30 d' })).not.toBe(m('kpi.uptime', { window: '7 d' }));
  });

  it('the memoized translator fixes each locale once and keeps its direction', () => {
    const memo = translator.memoized();
    expect(memo.t('ar')).toBe(memo.t('ar'));
    expect(memo.t('ar')('kpi.uptime', { window: 'x' })).toBe(translator.t('ar')('kpi.uptime', { window: 'x' }));
    expect(memo.dir('ar')).toBe('rtl');
    expect(memo.dir('en')).toBe('ltr');
  });
});
