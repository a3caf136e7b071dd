import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { loadConfig, maskSecrets, type AppConfig } from '../core/config.ts';
import { configWarnings } from '../core/config-warnings.ts';
import { App } from '../app.ts';
import { SimulatedStatusPage } from '../demo/simulated-page.ts';
import { demoConfig } from '../demo/demo.ts';
import { Translator } from '../i18n/i18n.ts';
import { renderEvent } from '../i18n/render.ts';
import { ComponentCatalog } from '../core/components.ts';
import { adviceFor } from '../core/advice.ts';
import { PLATFORMS, type Platform } from '../core/model.ts';
import { runConsoleCommand } from '../adapters/console/inbound.ts';
import { toPlainText } from '../i18n/message.ts';
import { openStore } from '../storage/store.ts';
import type { Subscription } from '../core/recipients.ts';
import { SUPPORTED_LOCALES } from '../i18n/locales.ts';
import { logUnhandledRejections } from '../core/process-guards.ts';
import { registerOutboxCommands } from './outbox.ts';
import { loadDotEnv } from './dotenv.ts';
import { VERSION } from '../core/version.ts';

const fail = (e: unknown): never => {
  if (e instanceof ConfigError) console.error(`status-relay: ${e.message}`);
  else console.error(`status-relay: ${(e as Error).message ?? e}`);
  process.exit(1);
};

const config = (): AppConfig => {
  try {
    return loadConfig(process.env);
  } catch (e) {
    return fail(e);
  }
};

const banner = (app: App, http: { host: string; port: number }, demo: boolean): string => {
  const cfg = app.config;
  const sources = cfg.sources.map(
    (s) => `${s.id} (${s.type}${'url' in s ? ` ${s.url}` : ''}${'interval' in s ? `, every ${s.interval / 1000} s` : ''})`,
  );
  const lines = [
    `Status Relay — ${cfg.service.name} in ${cfg.service.locales.join(', ')}${demo ? ' (demo)' : ''}`,
    `  sources:  ${sources.join('; ') || 'none'} + webhooks on POST /webhooks/:sourceId`,
    `  adapters: ${[...app.adapters.keys()].join(', ') || 'none'}`,
    `  store:    ${app.store.location}`,
    `  http:     http://${http.host === '0.0.0.0' ? '127.0.0.1' : http.host}:${http.port}  (/healthz /readyz /metrics /api/status)`,
    `  page:     ${cfg.service.publicUrl ?? `http://${http.host === '0.0.0.0' ? '127.0.0.1' : http.host}:${http.port}/`}  (the public status page; /feed.atom /api/v2/summary.json)`,
    ...configWarnings(cfg).map((w) => `  warning:  ${w}`),
  ];
  if (demo || app.adapters.size === 0 || [...app.adapters.keys()].every((p) => p === 'console'))
    lines.push(
      '',
      'To announce on real platforms, set tokens in .env (see .env.example and README):',
      '  TELEGRAM_BOT_TOKEN=…                          Telegram (from @BotFather)',
      "  SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=…       Slack (your app's settings)",
      '  DISCORD_TOKEN=… DISCORD_APPLICATION_ID=…       Discord (developer portal)',
      'and write status-relay.yaml (CONFIG_FILE) with your sources and announce targets.',
    );
  return lines.join('\n');
};

const start = async (opts: { fast?: boolean }): Promise<void> => {
  let cfg = config();
  let page: SimulatedStatusPage | undefined;
  if (cfg.demo) {
    page = new SimulatedStatusPage(opts.fast ? 6 : 1);
    cfg = demoConfig(cfg, await page.listen(), Boolean(opts.fast));
  }
  const app = new App(cfg);
  logUnhandledRejections(app.log);
  try {
    await app.init();
    const http = await app.listen();
    await app.start();
    for (const warning of configWarnings(cfg)) app.log.warn(warning);
    console.log(banner(app, http, cfg.demo));
  } catch (e) {
    await app.stop().catch(() => undefined);
    await page?.close();
    fail(e);
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping: finishing messages in flight');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    await page?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  if (page) {
    const t = app.translator.t('en');
    console.log(
      `\n${t('demo.banner', { service: cfg.service.name })} ${app.translator.t('zh-CN')('demo.banner', { service: cfg.service.name })}\n`,
    );
    setTimeout(
      async () => {
        await app.drained(15_000);
        for (const [line, hint] of [
          ['/status', 'en-US'],
          ['/status messaging', 'zh-hans'],
        ] as const) {
          const reply = await runConsoleCommand(app.router, line, `demo-${hint}`, hint);
          console.log(`\n$ ${line}   (a user whose language is ${hint})\n${toPlainText(reply.message)}`);
        }
        console.log('\nThe demo story is over; the bot keeps serving HTTP. Press Ctrl+C to stop.');
      },
      (page.durationSeconds + 4) * 1000,
    ).unref();
  }
};

/** The `.env` this run read (see `runCli`), for `check-config`. */
let envFileRead: string | undefined;

export const buildCli = (): Command => {
  const program = new Command('status-relay')
    .description("Incident communication for Slack, Discord and Telegram, in each user's language.")
    .version(VERSION, '-V, --version', 'print the version of Status Relay');
  program
    .command('start', { isDefault: true })
    .description('run the bot (the demo when there is no config file and no token)')
    .option('--fast', 'demo: replay the story in seconds')
    .action(start);
  program
    .command('check-config')
    .description('validate the environment and config file and print the resolved config, secrets masked')
    .action(() => {
      const cfg = config();
      console.log(JSON.stringify(maskSecrets(cfg), null, 2));
      for (const warning of configWarnings(cfg)) console.log(`warning: ${warning}`);
      console.log(
        envFileRead
          ? `\nEnvironment: read ${envFileRead} (variables set in the real environment win)`
          : '\nEnvironment: no .env in the working directory; the real environment only',
      );
      console.log(cfg.demo ? `No config file at ${cfg.env.CONFIG_FILE}: \`npm start\` runs the demo.` : `${cfg.configPath}: OK`);
    });
  program
    .command('preview <file>')
    .description('render an event (StatusEvent JSON or a Statuspage incident) as a platform would receive it')
    .addOption(new Option('--locale <code>', 'language').default('en').choices([...SUPPORTED_LOCALES]))
    .addOption(new Option('--platform <name>', 'platform renderer').default('console').choices([...PLATFORMS]))
    .action(async (file: string, opts: { locale: string; platform: Platform }) => {
      const { readEventFile } = await import('./preview.ts');
      const { PLATFORM_REGISTRY } = await import('../adapters/registry.ts');
      const cfg = config();
      let event;
      try {
        event = readEventFile(file);
      } catch (e) {
        return fail(e);
      }
      const translator = await Translator.create();
      const catalog = new ComponentCatalog(cfg.components);
      const model = renderEvent(event, opts.locale, {
        translator,
        serviceName: cfg.service.name,
        timezone: cfg.service.timezone,
        now: new Date().toISOString(),
        fallbackLocale: 'en',
        componentName: (c, l) => catalog.localizedName(c.id, l, 'en') ?? c.name,
        adviceFor: (e) => adviceFor(e, cfg.advice, catalog),
      });
      console.log(await PLATFORM_REGISTRY[opts.platform].preview(model));
    });
  const incident = program.command('incident').description("write manual incidents through the running bot's admin API");
  const adminCall = async (path: string, body: unknown, url?: string) => {
    const cfg = config();
    const token = cfg.env.ADMIN_API_TOKEN;
    if (!token) fail(new ConfigError('ADMIN_API_TOKEN', 'is not set: set the same token the bot runs with'));
    const base = url ?? `http://127.0.0.1:${cfg.env.HTTP_PORT}`;
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((e: Error) => fail(new Error(`cannot reach ${base}: ${e.message}`)));
    const text = await res.text();
    if (!res.ok) fail(new Error(`${res.status}: ${text}`));
    console.log(text);
  };
  incident
    .command('open <name>')
    .description('open a manual incident; prints it with its id')
    .option('-m, --message <text>', 'what is happening', '')
    .option('-c, --components <list>', 'comma-separated components', '')
    .option('--impact <level>', 'minor, major or critical', 'major')
    .option('--status <status>', 'investigating, identified, monitoring', 'investigating')
    .option('--component-status <status>', 'set the components to this status, e.g. major_outage')
    .option('--cause <cause>', 'technical_fault, network_congestion, security_incident, external_provider, maintenance')
    .option('--url <url>', 'bot base URL')
    .action((name: string, o: Record<string, string | undefined>) =>
      adminCall(
        '/api/incidents',
        {
          name,
          message: o.message,
          components: o.components
            ? o.components
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : [],
          impact: o.impact,
          status: o.status,
          ...(o.componentStatus ? { componentStatus: o.componentStatus } : {}),
          ...(o.cause ? { cause: o.cause } : {}),
        },
        o.url,
      ),
    );
  for (const verb of ['update', 'resolve'] as const)
    incident
      .command(`${verb} <id>`)
      .description(verb === 'resolve' ? 'resolve a manual incident, with a last update' : 'post an update to a manual incident')
      .option('-m, --message <text>', 'the update', '')
      .option('--status <status>', 'new status', verb === 'resolve' ? 'resolved' : 'identified')
      .option('--component-status <status>', "set the incident's components to this status")
      .option('--url <url>', 'bot base URL')
      .action((id: string, o: Record<string, string | undefined>) =>
        adminCall(
          `/api/incidents/${encodeURIComponent(id)}/updates`,
          { status: o.status, message: o.message, ...(o.componentStatus ? { componentStatus: o.componentStatus } : {}) },
          o.url,
        ),
      );
  incident
    .command('log <id>')
    .description('print the audit log of an incident: who published each step, where, when and what (read from the store)')
    .action(async (id: string) => {
      const cfg = config();
      const store = await openStore(cfg.env.STORE_URL).catch(fail);
      const { AuditLog, formatAuditLog } = await import('../authoring/audit.ts');
      const manualId = cfg.sources.find((s) => s.type === 'manual')?.id ?? 'manual';
      const key = id.includes(':') ? id : `${manualId}:${id}`;
      const entries = await new AuditLog(store.namespace('incident-audit')).of(key);
      await store.close();
      if (entries.length === 0)
        fail(new Error(`no audit log for "${key}": only steps published through the admin API, /admin or chat are recorded`));
      console.log(formatAuditLog(entries));
    });
  program
    .command('subscriptions')
    .description('list direct-message subscriptions in the store')
    .addOption(new Option('--platform <name>', "only this platform's subscriptions").choices([...PLATFORMS]))
    .action(async (o: { platform?: Platform }) => {
      const cfg = config();
      const store = await openStore(cfg.env.STORE_URL).catch(fail);
      let n = 0;
      for await (const [, s] of store.namespace('subscriptions').entries<Subscription>()) {
        if (o.platform && s.platform !== o.platform) continue;
        n++;
        console.log(`${s.platform}\t${s.userId}\t${s.components.length ? s.components.join(',') : '(all)'}\t${s.createdAt}`);
      }
      console.log(`${n} subscription(s)`);
      await store.close();
    });
  program
    .command('doctor')
    .description('check each platform token, the store, chart fonts and each source once, and say what to fix (exit 1 on any problem)')
    .option('--timeout <seconds>', 'how long each check may wait for an answer', '10')
    .action(async (o: { timeout: string }) => {
      const cfg = config();
      const seconds = Number(o.timeout);
      if (!(seconds > 0)) fail(new ConfigError('--timeout', `"${o.timeout}" is not a number of seconds`));
      const { runDoctor, formatDoctor } = await import('./doctor.ts');
      const { configSecrets } = await import('../core/secrets.ts');
      const checks = await runDoctor(cfg, { timeoutMs: seconds * 1000 });
      console.log(formatDoctor(checks, configSecrets(cfg)));
      // Exit now: a store or platform that never answered may still hold a socket open.
      process.exit(checks.every((c) => c.ok) ? 0 : 1);
    });
  registerOutboxCommands(program, () => config().env.STORE_URL, fail);
  program
    .command('register-commands')
    .description('register chat commands with every enabled platform')
    .action(async () => {
      const app = new App(config());
      try {
        await app.init();
        for (const a of app.adapters.values()) {
          if (!a.registerCommands) continue;
          await a.registerCommands();
          console.log(`${a.platform}: commands registered`);
        }
      } catch (e) {
        fail(e);
      } finally {
        await app.stop();
      }
    });
  return program;
};

export const runCli = async (argv: string[]): Promise<void> => {
  try {
    envFileRead = loadDotEnv();
  } catch (e) {
    fail(new ConfigError('.env', `cannot read it: ${(e as Error).message}`));
  }
  // A command that throws prints one line, never a stack trace.
  await buildCli().parseAsync(argv).catch(fail);
};
