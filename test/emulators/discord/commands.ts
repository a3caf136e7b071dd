import { Locale } from 'discord.js';
import type { Json } from './state.ts';
import type { FormError } from './validate.ts';

/** https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-naming */
const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
const LOCALES: ReadonlySet<string> = new Set(Object.values(Locale));

const bad = (path: (string | number)[], code: string, message: string): FormError => {
  let errors: Json = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [String(key)]: errors };
  return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } };
};

const checkName = (name: unknown, path: (string | number)[]): FormError | undefined => {
  if (typeof name !== 'string' || !NAME.test(name) || name !== name.toLowerCase())
    return bad(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  return undefined;
};

const checkDescription = (d: unknown, path: (string | number)[]): FormError | undefined =>
  typeof d !== 'string' || d.length < 1 || d.length > 100
    ? bad(path, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.')
    : undefined;

const checkLocalized = (
  map: unknown,
  path: (string | number)[],
  each: (v: unknown, p: (string | number)[]) => FormError | undefined,
): FormError | undefined => {
  if (map === undefined || map === null) return undefined;
  for (const [k, v] of Object.entries(map as Json)) {
    if (!LOCALES.has(k)) return bad([...path, k], 'ENUM_TYPE_COERCE', `Value "${k}" is not a valid enum value.`);
    const e = each(v, [...path, k]);
    if (e) return e;
  }
  return undefined;
};

const checkOptions = (options: unknown, path: (string | number)[]): FormError | undefined => {
  if (options === undefined) return undefined;
  const list = options as Json[];
  if (list.length > 25) return bad(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let optionalSeen = false;
  for (const [i, o] of list.entries()) {
    const at = [...path, i];
    const e =
      checkName(o.name, [...at, 'name']) ??
      checkDescription(o.description, [...at, 'description']) ??
      checkLocalized(o.name_localizations, [...at, 'name_localizations'], checkName) ??
      checkLocalized(o.description_localizations, [...at, 'description_localizations'], checkDescription);
    if (e) return e;
    if (o.required && optionalSeen)
      return bad(at, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    if (!o.required) optionalSeen = true;
    const choices = o.choices as Json[] | undefined;
    if (choices && o.autocomplete)
      return bad(at, 'APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE', 'Autocomplete cannot be set with choices');
    if (choices && choices.length > 25) return bad([...at, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    for (const [j, c] of (choices ?? []).entries()) {
      const ce =
        checkDescription(c.name, [...at, 'choices', j, 'name']) ??
        checkLocalized(c.name_localizations, [...at, 'choices', j, 'name_localizations'], checkDescription);
      if (ce) return ce;
    }
  }
  return undefined;
};

/** Validates a bulk-overwrite body as Discord does (names, lengths, locales, option order). */
export const validateCommands = (list: Json[]): FormError | undefined => {
  if (!Array.isArray(list)) return bad([], 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
  if (list.length > 100) return bad([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const names = new Set<string>();
  for (const [i, c] of list.entries()) {
    const e =
      checkName(c.name, [i, 'name']) ??
      checkDescription(c.description, [i, 'description']) ??
      checkLocalized(c.name_localizations, [i, 'name_localizations'], checkName) ??
      checkLocalized(c.description_localizations, [i, 'description_localizations'], checkDescription) ??
      checkOptions(c.options, [i, 'options']);
    if (e) return e;
    if (
      c.default_member_permissions !== undefined &&
      c.default_member_permissions !== null &&
      !/^\d+$/.test(String(c.default_member_permissions))
    )
      return bad([i, 'default_member_permissions'], 'NUMBER_TYPE_COERCE', 'Value is not a valid permission integer.');
    if (names.has(String(c.name)))
      return bad([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
    names.add(String(c.name));
  }
  return undefined;
};
