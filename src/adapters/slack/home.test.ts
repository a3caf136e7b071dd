import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { validateBlocks, mentionsIn, textsOf } from '../../../test/emulators/slack/validate.ts';
import { buildHomeView, HOME_ACTIONS } from './home.ts';

const components = Array.from(
  { length: 130 },
  (_, i) => `  - { id: c${i}, name: { en: "<!channel> Component ${i}", zh-CN: "组件 ${i}" } }`,
).join('\n');

describe('App Home view', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(`service: { name: Chatter, locales: [en, zh-CN] }\ncomponents:\n${components}\n`, {}, { start: false });
  });
  afterAll(() => t.stop());

  const buttons = (view: { blocks: unknown[] }) =>
    view.blocks.flatMap((b) => {
      const acc = (b as { accessory?: { action_id: string; value: string } }).accessory;
      return acc ? [`${acc.action_id}:${acc.value}`] : [];
    });

  it('stays within 100 blocks with 130 components, with escaped names and a button each while room lasts', () => {
    const view = buildHomeView(t.app.router.services, 'en', '/statusrelay', undefined);
    expect(validateBlocks(view.blocks, 100)).toEqual([]);
    expect(mentionsIn(textsOf(undefined, view.blocks))).toEqual([]);
    expect(buttons(view)[0]).toBe(`${HOME_ACTIONS.subscribe}:c0`);
  });

  it('offers unsubscribe for what the user has, and a stop-all button, in the user’s language', () => {
    const view = buildHomeView(t.app.router.services, 'zh-CN', '/statusrelay', {
      platform: 'slack',
      userId: 'U1',
      components: ['c1'],
      createdAt: '2026-01-01T00:00:00Z',
    });
    expect(buttons(view).slice(0, 2)).toEqual([`${HOME_ACTIONS.subscribe}:c0`, `${HOME_ACTIONS.unsubscribe}:c1`]);
    expect(JSON.stringify(view.blocks)).toContain('停止所有私信');
    expect(validateBlocks(view.blocks, 100)).toEqual([]);
  });
});
