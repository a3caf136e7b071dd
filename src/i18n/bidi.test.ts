import { describe, it, expect } from 'vitest';
import { FSI, LRI, PDI, RLM, isolate, isolateLtr, isolateValue, isolatorFor, showBidi, stripAllBidi, stripBidiControls } from './bidi.ts';
import { Translator } from './i18n.ts';

describe('bidi isolation', () => {
  it('wraps text in a first-strong or a left-to-right isolate, and leaves empty text empty', () => {
    expect(isolate('Chatter')).toBe(`${FSI}Chatter${PDI}`);
    expect(isolateLtr('https://stspg.io/a?b=1')).toBe(`${LRI}https://stspg.io/a?b=1${PDI}`);
    expect(isolate('')).toBe('');
    expect(isolateValue(42)).toBe(`${FSI}42${PDI}`);
    expect(isolateValue(undefined)).toBe('');
  });

  it('strips overrides, embeddings and stray isolates from untrusted text so it cannot escape its isolate', () => {
    const hostile = 'ok\u202Egnp.exe\u2069\u202A\u2066x';
    expect(stripBidiControls(hostile)).toBe('okgnp.exex');
    expect(isolate(hostile)).toBe(`${FSI}okgnp.exex${PDI}`);
    // LRM/RLM are harmless marks (they open nothing) and stay.
    expect(stripBidiControls(`a${RLM}b`)).toBe(`a${RLM}b`);
    expect(stripAllBidi(`${RLM}${FSI}a${PDI}`)).toBe('a');
  });

  it('isolates only for right-to-left text direction', () => {
    expect(isolatorFor('rtl')('x')).toBe(`${FSI}x${PDI}`);
    expect(isolatorFor('ltr')('x')).toBe('x');
    expect(showBidi(`${RLM}${FSI}x${PDI}`)).toBe('‹RLM›⁅x⁆');
  });

  it('makes the translator isolate every value in Arabic, with an RLM before a sentence that opens with a value', async () => {
    const t = await Translator.create();
    expect(t.t('ar')('status.componentLine', { name: 'Messaging', status: 'x' })).toBe(`${RLM}${FSI}Messaging${PDI}: ${FSI}x${PDI}`);
    expect(t.t('ar')('announce.updatedAt', { time: '10:30' })).toBe(`آخر تحديث: ${FSI}10:30${PDI}`);
    expect(t.t('ar')('announce.affected')).toBe('المتأثر');
    expect(t.t('de')('status.componentLine', { name: 'Messaging', status: 'x' })).toBe('Messaging: x');
  });
});
