import type { App } from '@slack/bolt';
import type { KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { TFunction } from 'i18next';
import type { Actor } from '../../authoring/authors.ts';
import { slackGroupIds } from '../../authoring/authors.ts';
import { newDraft, type Draft, type DraftFields } from '../../authoring/draft.ts';
import type { Authoring } from '../../authoring/service.ts';
import type { CommandRouter } from '../../commands/router.ts';
import { PayloadError } from '../../core/errors.ts';
import {
  CAUSES,
  COMPONENT_STATUSES,
  INCIDENT_STATUSES,
  MAINTENANCE_STATUSES,
  isClosedStatus,
  type ComponentStatus,
  type Incident,
} from '../../core/model.ts';
import { escapeSlack } from './render.ts';

/**
 * Writing incidents in Slack (docs/authoring.md): `/statusrelay incident` (or `maintenance`) opens a
 * modal (views.open with the command's trigger_id); its submit button is "Preview", which answers
 * the submission with `response_action: update` — the announcement in each language, as blocks —
 * whose submit is "Publish". Published steps are confirmed to the responder alone (chat.postEphemeral)
 * with Update and Resolve buttons that open the modal pre-filled. The author is checked at every
 * step: the command, each button, each submission.
 */
export const SLACK_AUTHORING = {
  callback: 'sr_incident',
  update: 'sr_incident_update',
  resolve: 'sr_incident_resolve',
} as const;

/** Modal titles and buttons are at most 24 characters (https://docs.slack.dev/reference/views/modal-views). */
/** How long a submission waits for its preview before answering with "preparing" (Slack's deadline is 3 s). */
const PREVIEW_WAIT_MS = 2000;

const short = (s: string, max = 24): string => ([...s].length <= max ? s : `${[...s].slice(0, max - 1).join('')}…`);
const plain = (text: string, max = 2000) => ({ type: 'plain_text' as const, text: short(text, max), emoji: true });
const option = (value: string, label: string) => ({ text: plain(label, 75), value });

interface Meta {
  /** 'edit': the form; 'preview': the preview, whose submit publishes. */
  readonly s: 'edit' | 'preview';
  readonly k: 'incident' | 'maintenance';
  /** The incident this updates. */
  readonly t?: string;
  /** Where the command or button was: the ephemeral confirmation goes there. */
  readonly c: string;
}

export interface SlackAuthoringDeps {
  readonly authoring: Authoring;
  readonly router: CommandRouter;
  readonly client: WebClient;
  readonly log: Logger;
  localeOf(userId: string, channelId: string): Promise<string>;
}

/** Groups a user is in, among the configured ones (usergroups.users.list per group, kept a minute). */
const groupCache = new WeakMap<WebClient, Map<string, { at: number; members: Set<string> }>>();
const groupsOf = async (deps: SlackAuthoringDeps, userId: string): Promise<string[]> => {
  const cache = groupCache.get(deps.client) ?? new Map<string, { at: number; members: Set<string> }>();
  groupCache.set(deps.client, cache);
  const out: string[] = [];
  for (const group of slackGroupIds(deps.authoring.authors)) {
    let hit = cache.get(group);
    if (!hit || Date.now() - hit.at > 60_000) {
      try {
        const res = await deps.client.usergroups.users.list({ usergroup: group });
        hit = { at: Date.now(), members: new Set(res.users ?? []) };
        cache.set(group, hit);
      } catch (e) {
        // Unsure is not allowed: the group does not count until Slack answers.
        deps.log.warn({ err: e, group }, 'usergroups.users.list failed; the group does not count');
        continue;
      }
    }
    if (hit.members.has(userId)) out.push(group);
  }
  return out;
};

const actorOf = async (deps: SlackAuthoringDeps, userId: string, name?: string): Promise<Actor> => ({
  platform: 'slack',
  userId,
  ...(name ? { name } : {}),
  groupIds: await groupsOf(deps, userId),
});

/** The form, filled from the draft. Block ids are the field names; the component selects are `c:<id>`. */
export const composerView = (
  t: TFunction,
  locale: string,
  deps: Pick<SlackAuthoringDeps, 'authoring'>,
  draft: Draft,
  meta: Meta,
  target?: Incident,
): View => {
  const f = draft.fields;
  const kind = meta.k;
  const statuses = kind === 'maintenance' ? MAINTENANCE_STATUSES : INCIDENT_STATUSES;
  const select = (
    block: string,
    label: string,
    options: { value: string; label: string }[],
    current: string | undefined,
    optional = false,
  ): KnownBlock => {
    const opts = options.map((o) => option(o.value, o.label));
    const initial = opts.find((o) => o.value === current);
    return {
      type: 'input',
      block_id: block,
      optional,
      label: plain(label),
      element: { type: 'static_select', action_id: block, options: opts, ...(initial ? { initial_option: initial } : {}) },
    };
  };
  const blocks: KnownBlock[] = [];
  if (target) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${escapeSlack(target.name)}*`, verbatim: true } });
  else
    blocks.push({
      type: 'input',
      block_id: 'name',
      label: plain(t('authoring:admin.name')),
      element: { type: 'plain_text_input', action_id: 'name', max_length: 500, ...(f.name ? { initial_value: f.name } : {}) },
    });
  blocks.push(
    select(
      'status',
      t('authoring:admin.status'),
      statuses.map((s) => ({ value: s, label: t(`storyStatus.${s}`) })),
      f.status ?? statuses[0],
    ),
  );
  if (kind === 'incident')
    blocks.push(
      select(
        'impact',
        t('authoring:admin.impact'),
        ['minor', 'major', 'critical'].map((s) => ({ value: s, label: t(`severity.${s}`) })),
        f.impact ?? 'major',
      ),
    );
  if (!target)
    blocks.push(
      select(
        'cause',
        t('authoring:admin.cause'),
        CAUSES.map((c) => ({ value: c, label: t(`authoring:cause.${c}`) })),
        f.cause,
        true,
      ),
    );
  // A new maintenance asks for its window: datetimepickers show the responder's own time zone and
  // submit a UNIX time (https://api.slack.com/reference/block-kit/block-elements#datetimepicker).
  if (kind === 'maintenance' && !target)
    for (const [block, label] of [
      ['scheduledFor', t('authoring:chat.windowStarts')],
      ['scheduledUntil', t('authoring:chat.windowEnds')],
    ] as const) {
      const at = f[block] ? Math.floor(Date.parse(f[block]) / 1000) : undefined;
      blocks.push({
        type: 'input',
        block_id: block,
        label: plain(label),
        element: { type: 'datetimepicker', action_id: block, ...(at ? { initial_date_time: at } : {}) },
      });
    }
  // At most 100 blocks in a view: the components get what the other fields leave.
  for (const c of deps.authoring.components(locale).slice(0, 88))
    blocks.push(
      select(
        `c:${c.id}`.slice(0, 255),
        c.name,
        COMPONENT_STATUSES.map((s) => ({ value: s, label: t(`componentStatus.${s}`) })),
        f.componentStatuses?.[c.id],
        true,
      ),
    );
  blocks.push({
    type: 'input',
    block_id: 'message',
    optional: true,
    label: plain(t('authoring:admin.message')),
    element: {
      type: 'plain_text_input',
      action_id: 'message',
      multiline: true,
      max_length: 3000,
      ...(f.message ? { initial_value: f.message.slice(0, 3000) } : {}),
    },
  });
  return {
    type: 'modal',
    callback_id: SLACK_AUTHORING.callback,
    private_metadata: JSON.stringify(meta),
    title: plain(
      target
        ? t('authoring:admin.update')
        : kind === 'maintenance'
          ? t('authoring:admin.newMaintenance')
          : t('authoring:admin.newIncident'),
      24,
    ),
    submit: plain(t('authoring:admin.preview'), 24),
    close: plain(t('authoring:chat.cancel'), 24),
    blocks,
  };
};

type StateValues = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_date_time?: number | null }>
>;

/** The fields the form holds, from `view.state.values`. */
const fieldsOf = (values: StateValues, kind: Meta['k']): DraftFields => {
  const get = (block: string) => {
    const v = values[block]?.[block];
    return (v?.selected_option?.value ?? v?.value ?? undefined) || undefined;
  };
  const time = (block: string) => {
    const at = values[block]?.[block]?.selected_date_time;
    return typeof at === 'number' ? new Date(at * 1000).toISOString() : undefined;
  };
  const componentStatuses: Record<string, ComponentStatus> = {};
  for (const block of Object.keys(values))
    if (block.startsWith('c:')) {
      const s = get(block);
      if (s) componentStatuses[block.slice(2)] = s as ComponentStatus;
    }
  const f: Record<string, unknown> = {
    kind,
    name: get('name'),
    status: get('status'),
    impact: get('impact'),
    cause: get('cause'),
    message: get('message') ?? '',
    scheduledFor: time('scheduledFor'),
    scheduledUntil: time('scheduledUntil'),
    components: Object.keys(componentStatuses),
    componentStatuses,
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as DraftFields;
};

/** The preview: each language's announcement as the channel will show it, then "Publish". */
const previewView = (
  t: TFunction,
  locales: readonly { locale: string; blocks: KnownBlock[] }[],
  meta: Meta,
  languageName: (l: string) => string,
): View => {
  const blocks: KnownBlock[] = [
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(t('authoring:admin.previewHint')), verbatim: true }] },
  ];
  for (const l of locales) {
    const own = [
      { type: 'divider' } as KnownBlock,
      { type: 'header', text: plain(languageName(l.locale), 150) } as KnownBlock,
      ...l.blocks.filter((b) => b.type !== 'actions'),
    ];
    if (blocks.length + own.length > 100) break;
    blocks.push(...own);
  }
  return {
    type: 'modal',
    callback_id: SLACK_AUTHORING.callback,
    private_metadata: JSON.stringify({ ...meta, s: 'preview' } satisfies Meta),
    title: plain(t('authoring:admin.preview'), 24),
    submit: plain(t('authoring:admin.publish'), 24),
    close: plain(t('authoring:chat.cancel'), 24),
    blocks,
  };
};

const noticeView = (text: string): View => ({
  type: 'modal',
  callback_id: SLACK_AUTHORING.callback,
  title: plain('Status Relay', 24),
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeSlack(text), verbatim: true } }],
});

/** Update and Resolve, for the responder alone. */
const controls = (t: TFunction, text: string, key: string): { text: string; blocks: KnownBlock[] } => ({
  text: escapeSlack(text),
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(text), verbatim: true } },
    {
      type: 'actions',
      elements: [
        { type: 'button', action_id: SLACK_AUTHORING.update, text: plain(t('authoring:admin.update'), 75), value: key },
        { type: 'button', action_id: SLACK_AUTHORING.resolve, text: plain(t('authoring:admin.resolve'), 75), value: key, style: 'danger' },
      ],
    },
  ],
});

export class SlackAuthoring {
  constructor(private readonly deps: SlackAuthoringDeps) {}

  private languageName(locale: string) {
    const names = new Intl.DisplayNames([locale], { type: 'language' });
    return (l: string) => names.of(l) ?? l;
  }

  /** For a responder's App Home: the open incidents (the ten newest), each with Update / Resolve; nothing for anyone else. */
  async homeBlocks(userId: string, locale: string): Promise<KnownBlock[]> {
    const { authoring } = this.deps;
    if (!(await authoring.mayWrite(await actorOf(this.deps, userId)))) return [];
    const t = this.deps.router.services.translator.t(locale);
    const open = authoring.openIncidents().slice(0, 10);
    const blocks: KnownBlock[] = [{ type: 'header', text: plain(t('authoring:admin.incidents'), 150) }];
    if (!open.length)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(t('authoring:admin.noIncidents')), verbatim: true }] });
    for (const i of open) {
      const text = `*${escapeSlack(i.name)}* · ${escapeSlack(t(`storyStatus.${i.status}`))}`;
      blocks.push(
        ...controls(t, text, i.key).blocks.map((b) =>
          b.type === 'section' ? { ...b, text: { type: 'mrkdwn' as const, text, verbatim: true } } : b,
        ),
      );
    }
    return blocks;
  }

  /** `/statusrelay incident|maintenance`: the modal, or the refusal (ephemeral, through the command's response_url). */
  async onCommand(
    cmd: { user_id: string; user_name?: string; channel_id: string; trigger_id: string },
    kind: Meta['k'],
    respond: (m: { response_type: 'ephemeral'; text: string }) => Promise<void>,
  ): Promise<void> {
    const { authoring, client } = this.deps;
    const locale = await this.deps.localeOf(cmd.user_id, cmd.channel_id);
    const t = this.deps.router.services.translator.t(locale);
    if (!(await authoring.mayWrite(await actorOf(this.deps, cmd.user_id)))) {
      await respond({ response_type: 'ephemeral', text: escapeSlack(authoring.refusal(locale)) });
      return;
    }
    const draft = newDraft('slack', cmd.user_id, new Date().toISOString(), { fields: { kind }, locale });
    await authoring.drafts.put(draft);
    await client.views.open({
      trigger_id: cmd.trigger_id,
      view: composerView(t, locale, this.deps, draft, { s: 'edit', k: kind, c: cmd.channel_id }),
    });
  }

  /** Update / Resolve: the modal pre-filled for this incident. */
  async onButton(
    body: { user: { id: string; username?: string }; trigger_id: string; channel?: { id: string } },
    actionId: string,
    key: string,
    respond: (m: { response_type: 'ephemeral'; text: string; replace_original?: boolean }) => Promise<unknown>,
  ): Promise<void> {
    const { authoring, client } = this.deps;
    const userId = body.user.id;
    const channel = body.channel?.id ?? userId;
    const locale = await this.deps.localeOf(userId, channel);
    const t = this.deps.router.services.translator.t(locale);
    if (!(await authoring.mayWrite(await actorOf(this.deps, userId)))) {
      await respond({ response_type: 'ephemeral', text: escapeSlack(authoring.refusal(locale)), replace_original: false });
      return;
    }
    const incident = authoring.incident(key);
    if (!incident || isClosedStatus(incident.status)) {
      await respond({ response_type: 'ephemeral', text: escapeSlack(t('authoring:admin.noSuchIncident')), replace_original: false });
      return;
    }
    const resolve = actionId === SLACK_AUTHORING.resolve;
    const current = Object.fromEntries(
      this.deps.router.services.tracker
        .currentComponents()
        .filter((c) => incident.componentIds.includes(c.id))
        .map((c) => [c.id, resolve ? 'operational' : c.status] as const),
    ) as Record<string, ComponentStatus>;
    const draft = newDraft('slack', userId, new Date().toISOString(), {
      target: incident.key,
      locale,
      fields: {
        kind: incident.kind,
        impact: incident.impact,
        status: resolve ? (incident.kind === 'maintenance' ? 'completed' : 'resolved') : incident.status,
        components: Object.keys(current),
        componentStatuses: current,
      },
    });
    await authoring.drafts.put(draft);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: composerView(t, locale, this.deps, draft, { s: 'edit', k: incident.kind, t: incident.key, c: channel }, incident),
    });
  }

  /** A submission: the form (→ preview in the modal) or the preview (→ publish). The answer is the ack's body. */
  async onSubmit(body: {
    user: { id: string; username?: string };
    view: {
      id: string;
      private_metadata?: string;
      state: { values: StateValues };
    };
  }): Promise<Record<string, unknown>> {
    const { authoring } = this.deps;
    const userId = body.user.id;
    const meta = JSON.parse(body.view.private_metadata || '{}') as Meta;
    const locale = await this.deps.localeOf(userId, meta.c ?? userId);
    const t = this.deps.router.services.translator.t(locale);
    const actor = await actorOf(this.deps, userId, body.user.username);
    if (!(await authoring.mayWrite(actor))) return { response_action: 'update', view: noticeView(authoring.refusal(locale)) };
    const stored = await authoring.drafts.get('slack', userId);
    if (meta.s === 'edit') {
      const draft: Draft = {
        ...(stored ?? newDraft('slack', userId, new Date().toISOString())),
        ...(meta.t ? { target: meta.t } : {}),
        fields: fieldsOf(body.view.state.values, meta.k),
        updatedAt: new Date().toISOString(),
      };
      const { scheduledFor, scheduledUntil } = draft.fields;
      // Told on the field, in the responder's language, before anything is rendered.
      if (scheduledFor && scheduledUntil && scheduledUntil <= scheduledFor)
        return { response_action: 'errors', errors: { scheduledUntil: short(t('authoring:chat.windowOrder'), 150) } };
      // Slack takes the answer within 3 s (https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response);
      // a machine translation may take longer: then the modal says so and is updated when the preview is ready.
      const work = authoring.preview(draft);
      const quick = await Promise.race([work, new Promise<undefined>((r) => setTimeout(() => r(undefined), PREVIEW_WAIT_MS))]);
      if (!quick) {
        const viewId = body.view.id;
        void work
          .then(async (p) => {
            if (p.ok) await authoring.drafts.put(draft);
            const view = p.ok
              ? previewView(
                  t,
                  p.locales.map((l) => ({ locale: l.locale, blocks: l.slack.blocks })),
                  meta,
                  this.languageName(locale),
                )
              : noticeView(t('authoring:admin.invalid', { error: p.error }));
            await this.deps.client.views.update({ view_id: viewId, view });
          })
          .catch((e: unknown) => this.deps.log.warn({ err: e }, 'views.update with the preview failed'));
        return { response_action: 'update', view: noticeView(t('authoring:chat.preparing')) };
      }
      const preview = quick;
      if (!preview.ok)
        return {
          response_action: 'errors',
          errors: { [meta.t ? 'message' : 'name']: short(t('authoring:admin.invalid', { error: preview.error }), 150) },
        };
      await authoring.drafts.put(draft);
      return {
        response_action: 'update',
        view: previewView(
          t,
          preview.locales.map((l) => ({ locale: l.locale, blocks: l.slack.blocks })),
          meta,
          this.languageName(locale),
        ),
      };
    }
    if (!stored) return { response_action: 'update', view: noticeView(t('authoring:chat.abandoned', { minutes: 1440 })) };
    let published;
    try {
      published = await authoring.publish(stored, actor, `slack channel ${meta.c}`);
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      return { response_action: 'update', view: noticeView(t('authoring:admin.invalid', { error: e.message })) };
    }
    await authoring.drafts.delete('slack', userId);
    const incident = authoring.incident(published.key);
    const text = t('authoring:chat.published', { name: incident?.name ?? published.id });
    // After the ack: the modal closes at once, the confirmation follows.
    // From App Home there is no channel (meta.c is the user): the modal closing is the confirmation.
    if (!/^[CGD]/.test(meta.c)) return { response_action: 'clear' };
    setImmediate(() => {
      const message = published.action === 'resolved' ? { text: escapeSlack(text) } : controls(t, text, published.key);
      this.deps.client.chat
        .postEphemeral({ channel: meta.c, user: userId, ...message })
        .catch((e: unknown) =>
          this.deps.log.warn({ err: e, channel: meta.c }, 'chat.postEphemeral failed: the Update/Resolve controls were not shown'),
        );
    });
    return { response_action: 'clear' };
  }
}

/** Wires the modal's submissions and the Update / Resolve buttons into bolt. */
export const registerSlackAuthoring = (bolt: App, flow: SlackAuthoring, log: Logger): void => {
  bolt.view(SLACK_AUTHORING.callback, async ({ ack, body }) => {
    try {
      await ack((await flow.onSubmit(body as unknown as Parameters<SlackAuthoring['onSubmit']>[0])) as never);
    } catch (e) {
      log.error({ err: e }, 'incident modal submission failed');
      await ack();
    }
  });
  bolt.action(new RegExp(`^(${SLACK_AUTHORING.update}|${SLACK_AUTHORING.resolve})$`), async ({ ack, body, action, respond }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action) || !action.value) return;
    await flow
      .onButton(body as unknown as Parameters<SlackAuthoring['onButton']>[0], action.action_id, action.value, (m) => respond(m))
      .catch((e: unknown) => log.error({ err: e }, 'incident button failed'));
  });
};
