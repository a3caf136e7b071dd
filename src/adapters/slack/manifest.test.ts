import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseEnv } from '../../core/config.ts';

interface Manifest {
  features: { app_home: { home_tab_enabled: boolean }; slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
  };
}

const manifest = parse(readFileSync(new URL('../../../slack-app-manifest.yaml', import.meta.url), 'utf8')) as Manifest;

describe('slack-app-manifest.yaml', () => {
  it('declares the default SLACK_COMMAND, pointed at /slack/events', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([parseEnv({}).SLACK_COMMAND]);
    expect(manifest.features.slash_commands[0]!.url).toMatch(/\/slack\/events$/);
  });

  it('asks for exactly the scopes of the Web API methods the adapter calls', () => {
    // chat.postMessage/chat.update → chat:write; conversations.open → im:write; users.info → users:read;
    // conversations.info → channels:read + groups:read; the slash command → commands; files.getUploadURLExternal +
    // files.completeUploadExternal (the charts) → files:write; usergroups.users.list (authors.slack groups) →
    // usergroups:read. views.publish, views.open, chat.postEphemeral (chat:write) and auth.test need no more.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([
      'channels:read',
      'chat:write',
      'commands',
      'files:write',
      'groups:read',
      'im:write',
      'usergroups:read',
      'users:read',
    ]);
    for (const doc of ['../../../README.md', '../../../docs/slack.md'])
      expect(readFileSync(new URL(doc, import.meta.url), 'utf8')).toContain('| `files:write` |');
  });

  it('subscribes to App Home and enables interactivity on the same endpoint', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    for (const url of [manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url])
      expect(url).toMatch(/\/slack\/events$/);
  });
});
