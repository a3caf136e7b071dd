import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it, expect } from 'vitest';
import type { Command } from 'commander';
import { buildCli } from './index.ts';
import { runCli } from '../../test/helpers/cli.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

const walk = (cmd: Command, path: string[] = []): { path: string; description: string }[] =>
  cmd.commands.flatMap((c) => {
    const here = [...path, c.name()];
    return [{ path: here.join(' '), description: c.description() }, ...walk(c, here)];
  });

describe('the CLI (commander)', () => {
  it('describes every command and subcommand in --help', () => {
    const program = buildCli();
    const commands = walk(program);
    expect(commands.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        'start',
        'check-config',
        'preview',
        'doctor',
        'incident',
        'incident open',
        'incident update',
        'incident resolve',
        'outbox',
        'outbox list',
        'outbox retry',
        'outbox drop',
        'subscriptions',
        'register-commands',
      ]),
    );
    for (const c of commands) expect(c.description.trim(), `\`status-relay ${c.path}\` has no description`).not.toBe('');
    // Their options too.
    const options = (cmd: Command, path: string[] = []): { path: string; flags: string; description: string }[] =>
      cmd.commands.flatMap((c) => [
        ...c.options.map((o) => ({ path: [...path, c.name()].join(' '), flags: o.flags, description: o.description })),
        ...options(c, [...path, c.name()]),
      ]);
    for (const o of options(program)) expect(o.description.trim(), `\`status-relay ${o.path} ${o.flags}\` has no description`).not.toBe('');
    // And each shows in its parent's help text.
    const helpOf = (cmd: Command): string => cmd.helpInformation();
    for (const c of commands) {
      const parts = c.path.split(' ');
      let parent: Command = program;
      for (const p of parts.slice(0, -1)) parent = parent.commands.find((x) => x.name() === p)!;
      expect(helpOf(parent)).toContain(c.description.slice(0, 30));
    }
  });

  it('--version prints the version from package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  }, 60_000);

  describe.concurrent('preview with a bad file: one clear line, no stack trace, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sr-preview-'));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    mkdirSync(join(dir, 'a-folder'));
    const cases: [string, string, RegExp][] = [
      ['a missing file', join(dir, 'nope.json'), /nope\.json: no such file$/],
      ['a directory', join(dir, 'a-folder'), /a-folder: is a directory, not a JSON file$/],
      ['not JSON', file('garbage.json', '{"type": "incident",'), /garbage\.json: not valid JSON \(/],
      ['JSON that is not an object', file('list.json', '[1, 2]'), /list\.json: expected a JSON object/],
      [
        'an object that is no event',
        file('other.json', '{"hello": "world"}'),
        /other\.json: expected a StatusEvent .* or a Statuspage incident/,
      ],
      [
        'a StatusEvent missing fields',
        file('partial.json', JSON.stringify({ type: 'incident', id: 'x', phase: 'opened' })),
        /partial\.json: not a valid StatusEvent: incident: /,
      ],
      [
        'a component event with a bad status',
        file(
          'status.json',
          JSON.stringify({
            type: 'component',
            id: 'c',
            component: { id: 'api', name: 'API', status: 'on_fire' },
            previous: 'operational',
            severity: 'major',
            at: '2026-01-01T00:00:00Z',
          }),
        ),
        /status\.json: not a valid StatusEvent: component\.status: /,
      ],
    ];
    it.each(cases)(
      '%s',
      async (_name, path, expected) => {
        const run = await runCli(['preview', path]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        const lines = run.stderr.trim().split('\n');
        expect(lines, run.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^status-relay: /);
        expect(lines[0]).toMatch(expected);
        expect(run.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
      },
      60_000,
    );

    it("no file at all: commander's one line", async () => {
      const run = await runCli(['preview']);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe("error: missing required argument 'file'");
    }, 60_000);

    it('a good StatusEvent still renders', async () => {
      const good = file(
        'good.json',
        JSON.stringify({
          type: 'component',
          id: 'c',
          component: { id: 'api', name: 'API', status: 'major_outage' },
          previous: 'operational',
          severity: 'critical',
          at: '2026-01-01T00:00:00Z',
        }),
      );
      const run = await runCli(['preview', good]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('API');
    }, 60_000);
  });
});
