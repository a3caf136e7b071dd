import { startOutageApp } from './helpers/status-page.ts';
import { launchChromium, axeViolations } from './helpers/browser.ts';
const { t } = await startOutageApp();
const b = await launchChromium();
for (const l of ['en', 'zh-CN', 'ar']) {
  const ctx = await b.context();
  const p = await ctx.newPage();
  await p.goto(`${t.baseUrl}/?lang=${l}`);
  await p.screenshot({ path: `/tmp/shot-${l}.png`, fullPage: true });
  const v = await axeViolations(p);
  console.log(l, JSON.stringify(v.map((x) => [x.id, x.help, x.nodes.slice(0, 2).map((n) => n.html.slice(0, 120))])));
  await ctx.close();
}
await b.close();
await t.stop();
