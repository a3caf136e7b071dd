import { stringSelect } from './modals.ts';
/**
 * Discord's message validation, as strict as the platform: the limits of
 * https://discord.com/developers/docs/resources/message#embed-object-embed-limits and the
 * `allowed_mentions` rules, answered with 400 code 50035 "Invalid Form Body" and the nested
 * `errors` tree Discord uses.
 */

export interface FormError {
  readonly status: number;
  readonly body: { code: number; message: string; errors?: unknown };
}

type Json = Record<string, unknown>;

const problem = (path: string[], code: string, message: string): FormError => {
  let errors: Json = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [key]: errors };
  return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } };
};

const maxLen = (value: unknown, max: number, path: string[]): FormError | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return problem(path, 'STRING_TYPE_CONVERT', 'Could not interpret value as string.');
  if (value.length > max) return problem(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  return undefined;
};

const required = (value: unknown, max: number, path: string[]): FormError | undefined => {
  if (typeof value !== 'string' || value.length === 0) return problem(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  return maxLen(value, max, path);
};

const checkEmbeds = (embeds: unknown): FormError | undefined => {
  if (embeds === undefined || embeds === null) return undefined;
  if (!Array.isArray(embeds)) return problem(['embeds'], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
  if (embeds.length > 10) return problem(['embeds'], 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  for (const [i, raw] of embeds.entries()) {
    const e = raw as Json;
    const at = (...p: string[]) => ['embeds', String(i), ...p];
    const footer = e.footer as Json | undefined;
    const author = e.author as Json | undefined;
    const fields = (e.fields ?? []) as Json[];
    const bad =
      maxLen(e.title, 256, at('title')) ??
      maxLen(e.description, 4096, at('description')) ??
      (footer ? required(footer.text, 2048, at('footer', 'text')) : undefined) ??
      (author ? required(author.name, 256, at('author', 'name')) : undefined) ??
      (fields.length > 25 ? problem(at('fields'), 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.') : undefined) ??
      fields
        .map((f, j) => required(f.name, 256, at('fields', String(j), 'name')) ?? required(f.value, 1024, at('fields', String(j), 'value')))
        .find(Boolean);
    if (bad) return bad;
    if (e.color !== undefined && (typeof e.color !== 'number' || e.color < 0 || e.color > 0xffffff))
      return problem(at('color'), 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 16777215.');
    total += [e.title, e.description, footer?.text, author?.name, ...fields.flatMap((f) => [f.name, f.value])].reduce<number>(
      (n, s) => n + (typeof s === 'string' ? s.length : 0),
      0,
    );
  }
  if (total > 6000) return problem(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  return undefined;
};

const checkComponents = (components: unknown): FormError | undefined => {
  if (components === undefined || components === null) return undefined;
  const ids = new Set<string>();
  if (!Array.isArray(components) || components.length > 5)
    return problem(['components'], 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  for (const [i, row] of components.entries()) {
    const r = row as Json;
    const children = r.components as Json[] | undefined;
    if (r.type !== 1 || !Array.isArray(children) || children.length === 0 || children.length > 5)
      return problem(['components', String(i)], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    // A string select fills its row alone (https://discord.com/developers/docs/components/reference#string-select).
    if (children.some((c) => c.type === 3)) {
      if (children.length !== 1)
        return problem(
          ['components', String(i), 'components'],
          'COMPONENT_LAYOUT_WIDTH_EXCEEDED',
          'The specified component exceeds the maximum width',
        );
      const bad = stringSelect(children[0]!, ['components', i, 'components', 0], ids);
      if (bad) return bad;
      continue;
    }
    for (const [j, c] of children.entries()) {
      const at = ['components', String(i), 'components', String(j)];
      if (c.type !== 2) return problem(at, 'COMPONENT_TYPE_INVALID', 'Invalid component type');
      const bad = maxLen(c.label, 80, [...at, 'label']);
      if (bad) return bad;
      if (c.style === 5) {
        if (typeof c.url !== 'string' || !/^(https?|discord):\/\/\S+$/.test(c.url) || c.url.length > 512)
          return problem([...at, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
        if (c.custom_id !== undefined)
          return problem([...at, 'custom_id'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'A link button cannot have a custom_id');
      } else if (typeof c.custom_id !== 'string') return problem([...at, 'custom_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
    }
  }
  return undefined;
};

const checkAllowedMentions = (am: unknown): FormError | undefined => {
  if (am === undefined || am === null) return undefined;
  const a = am as Json;
  const parse = a.parse as unknown;
  if (parse !== undefined && (!Array.isArray(parse) || parse.some((p) => !['users', 'roles', 'everyone'].includes(p as string))))
    return problem(['allowed_mentions', 'parse'], 'ENUM_TYPE_COERCE', 'Value must be one of {users, roles, everyone}.');
  const list = (parse ?? []) as string[];
  // Documented: `parse` is mutually exclusive with the `users`/`roles` lists.
  if ((list.includes('users') && a.users !== undefined) || (list.includes('roles') && a.roles !== undefined))
    return problem(
      ['allowed_mentions'],
      'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
      'parse:["users"] and users: [ids...] are mutually exclusive.',
    );
  return undefined;
};

/** Validates a create/edit body; `create` also requires something to show. */
export const validateMessage = (body: Json, options: { create: boolean; files: number }): FormError | undefined => {
  const bad =
    maxLen(body.content, 2000, ['content']) ??
    checkEmbeds(body.embeds) ??
    checkComponents(body.components) ??
    checkAllowedMentions(body.allowed_mentions);
  if (bad) return bad;
  const empty =
    !body.content &&
    !(Array.isArray(body.embeds) && body.embeds.length) &&
    !(Array.isArray(body.components) && body.components.length) &&
    options.files === 0;
  if (options.create && empty && !body.sticker_ids) return { status: 400, body: { code: 50006, message: 'Cannot send an empty message' } };
  return undefined;
};

/**
 * Whether the message would ping everyone, as Discord decides it: `@everyone`/`@here` in *content*
 * (embeds never ping), allowed unless `allowed_mentions` leaves "everyone" out. Without
 * `allowed_mentions` a bot message (or an edit) uses the default, which parses everything.
 */
export const pingsEveryone = (content: unknown, allowedMentions: unknown): boolean => {
  if (typeof content !== 'string' || !/@(everyone|here)/.test(content)) return false;
  if (allowedMentions === undefined || allowedMentions === null) return true;
  const parse = (allowedMentions as Json).parse;
  return Array.isArray(parse) && parse.includes('everyone');
};
