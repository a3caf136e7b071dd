import { validateBlocks } from './validate.ts';

/**
 * Modals as strict as Slack's (https://docs.slack.dev/surfaces/modals, https://docs.slack.dev/reference/views,
 * https://docs.slack.dev/reference/methods/views.open, https://docs.slack.dev/reference/methods/views.update):
 *
 * - a `trigger_id` (from a slash command or an interaction) opens one view, once, within 3 seconds
 *   ("trigger_id expires 3 seconds after it's sent", https://docs.slack.dev/interactivity/handling-user-interaction#modal_responses);
 *   later: `expired_trigger_id`, twice: `exchanged_trigger_id`, unknown: `invalid_trigger_id`;
 * - a modal has `type: modal`, a plain_text `title` of at most 24 characters, `submit`/`close` of at
 *   most 24, `submit` required when the view holds an input block, at most 100 blocks, `callback_id`
 *   ≤ 255, `private_metadata` ≤ 3000 characters; block ids unique and ≤ 255;
 * - an input block: plain_text `label` ≤ 2000, `hint` ≤ 2000, one element: `plain_text_input`
 *   (`max_length` ≤ 3000, `initial_value` within it, `placeholder` ≤ 150) or `static_select`
 *   (1-100 `options`, option text ≤ 75 and value ≤ 150, `initial_option` one of them, `placeholder` ≤ 150)
 *   or `datetimepicker` (https://api.slack.com/reference/block-kit/block-elements#datetimepicker: only
 *   `action_id`, `initial_date_time` — a UNIX time in seconds, 10 digits —, `confirm`, `focus_on_load`;
 *   no placeholder). Its state in a submission is `{ type: 'datetimepicker', selected_date_time: <seconds> }`.
 *
 * Errors are Slack's `invalid_arguments` with `response_metadata.messages` in its json-pointer style.
 */
export const TRIGGER_LIFETIME_MS = 3000;
export const MAX_VIEW_BLOCKS = 100;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const plain = (v: unknown, at: string, max: number, errors: string[]): void => {
  if (!isObj(v) || v.type !== 'plain_text' || typeof v.text !== 'string')
    return void errors.push(`[ERROR] must provide a plain_text object [json-pointer:${at}]`);
  if (v.text.length === 0) errors.push(`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`);
  if (v.text.length > max) errors.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/text]`);
};

const inputElement = (e: unknown, at: string, errors: string[]): void => {
  if (!isObj(e)) return void errors.push(`[ERROR] must provide an object [json-pointer:${at}]`);
  if (typeof e.action_id !== 'string' || e.action_id.length === 0 || e.action_id.length > 255)
    errors.push(`[ERROR] must provide an action_id of 1 to 255 characters [json-pointer:${at}/action_id]`);
  if (e.type === 'datetimepicker') {
    for (const k of Object.keys(e))
      if (!['type', 'action_id', 'initial_date_time', 'confirm', 'focus_on_load'].includes(k))
        errors.push(`[ERROR] unsupported property "${k}" [json-pointer:${at}/${k}]`);
    if (e.initial_date_time !== undefined && !(Number.isInteger(e.initial_date_time) && /^\d{10}$/.test(String(e.initial_date_time))))
      errors.push(`[ERROR] must be a UNIX timestamp of 10 digits [json-pointer:${at}/initial_date_time]`);
    if (e.focus_on_load !== undefined && typeof e.focus_on_load !== 'boolean')
      errors.push(`[ERROR] must be a boolean [json-pointer:${at}/focus_on_load]`);
    return;
  }
  if (e.placeholder !== undefined) plain(e.placeholder, `${at}/placeholder`, 150, errors);
  if (e.type === 'plain_text_input') {
    const max = e.max_length === undefined ? 3000 : Number(e.max_length);
    if (!Number.isInteger(max) || max < 1 || max > 3000) errors.push(`[ERROR] must be between 1 and 3000 [json-pointer:${at}/max_length]`);
    if (e.initial_value !== undefined && (typeof e.initial_value !== 'string' || e.initial_value.length > max))
      errors.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/initial_value]`);
    return;
  }
  if (e.type === 'static_select') {
    const options = e.options;
    if (!Array.isArray(options) || options.length < 1 || options.length > 100)
      return void errors.push(`[ERROR] must have 1 to 100 items [json-pointer:${at}/options]`);
    options.forEach((o: unknown, i) => {
      if (!isObj(o)) return void errors.push(`[ERROR] must provide an object [json-pointer:${at}/options/${i}]`);
      plain(o.text, `${at}/options/${i}/text`, 75, errors);
      if (typeof o.value !== 'string' || o.value.length === 0 || o.value.length > 150)
        errors.push(`[ERROR] must be 1 to 150 characters [json-pointer:${at}/options/${i}/value]`);
    });
    if (e.initial_option !== undefined) {
      const v = isObj(e.initial_option) ? e.initial_option.value : undefined;
      if (
        !options.some(
          (o: unknown) => isObj(o) && o.value === v && JSON.stringify(o.text) === JSON.stringify((e.initial_option as Json).text),
        )
      )
        errors.push(`[ERROR] must match one of the options [json-pointer:${at}/initial_option]`);
    }
    return;
  }
  errors.push(`[ERROR] unsupported type [json-pointer:${at}/type]`);
};

/** Errors for a modal view, empty when Slack would take it. */
export const validateModal = (view: unknown): string[] => {
  const errors: string[] = [];
  if (!isObj(view)) return ['[ERROR] must provide an object [json-pointer:/view]'];
  if (view.type !== 'modal') errors.push('[ERROR] must be a valid enum value [json-pointer:/view/type]');
  plain(view.title, '/view/title', 24, errors);
  if (view.submit !== undefined) plain(view.submit, '/view/submit', 24, errors);
  if (view.close !== undefined) plain(view.close, '/view/close', 24, errors);
  if (typeof view.callback_id === 'string' && view.callback_id.length > 255)
    errors.push('[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]');
  if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000)
    errors.push('[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]');
  const blocks = view.blocks;
  if (!Array.isArray(blocks)) return [...errors, '[ERROR] must provide an array [json-pointer:/view/blocks]'];
  const others = blocks.filter((b) => !(isObj(b) && b.type === 'input'));
  errors.push(...validateBlocks(others, MAX_VIEW_BLOCKS).map((e) => e.replace('[json-pointer:/blocks', '[json-pointer:/view/blocks')));
  if (blocks.length > MAX_VIEW_BLOCKS) errors.push(`[ERROR] no more than ${MAX_VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]`);
  const ids = new Set<string>();
  let inputs = 0;
  blocks.forEach((b: unknown, i) => {
    const at = `/view/blocks/${i}`;
    if (!isObj(b)) return;
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length > 255)
        errors.push(`[ERROR] must be less than 256 characters [json-pointer:${at}/block_id]`);
      else if (ids.has(b.block_id)) errors.push(`[ERROR] block_id must be unique [json-pointer:${at}/block_id]`);
      else ids.add(b.block_id);
    }
    if (b.type !== 'input') return;
    inputs++;
    plain(b.label, `${at}/label`, 2000, errors);
    if (b.hint !== undefined) plain(b.hint, `${at}/hint`, 2000, errors);
    inputElement(b.element, `${at}/element`, errors);
  });
  if (inputs > 0 && view.submit === undefined)
    errors.push('[ERROR] submit is required when an input block is within the blocks array [json-pointer:/view/submit]');
  return errors;
};

/**
 * What a user typed and picked, by action_id: a string for a text input, an option value (or
 * undefined) for a select, a UNIX time in seconds for a datetimepicker.
 */
export type Inputs = Readonly<Record<string, string | number | undefined>>;

/**
 * `view.state.values` of a submission as Slack builds it from the view on screen: for each input
 * block `{ [block_id]: { [action_id]: { type, value | selected_option } } }`. A value for an element
 * the view does not have, or an option it does not offer, is a test mistake and throws.
 */
export const stateValues = (view: Json, inputs: Inputs): Record<string, Record<string, unknown>> => {
  const out: Record<string, Record<string, unknown>> = {};
  const known = new Set<string>();
  for (const b of (view.blocks as Json[] | undefined) ?? []) {
    if (b.type !== 'input') continue;
    const e = b.element as Json;
    const id = String(e.action_id);
    known.add(id);
    const given =
      id in inputs
        ? inputs[id]
        : e.type === 'plain_text_input'
          ? ((e.initial_value as string | undefined) ?? undefined)
          : e.type === 'datetimepicker'
            ? (e.initial_date_time as number | undefined)
            : ((e.initial_option as Json | undefined)?.value as string | undefined);
    let state: Record<string, unknown>;
    if (e.type === 'plain_text_input') state = { type: 'plain_text_input', value: given === undefined ? null : String(given) };
    else if (e.type === 'datetimepicker') {
      if (given !== undefined && !Number.isInteger(Number(given)))
        throw new Error(`slack emulator: "${given}" is not a UNIX time for ${id}`);
      state = { type: 'datetimepicker', selected_date_time: given === undefined ? null : Number(given) };
    } else {
      const option = (e.options as Json[]).find((o) => o.value === given);
      if (given !== undefined && !option) throw new Error(`slack emulator: "${given}" is not an option of ${id}`);
      state = { type: 'static_select', selected_option: option ?? null };
    }
    out[String(b.block_id)] = { [id]: state };
  }
  for (const k of Object.keys(inputs)) if (!known.has(k)) throw new Error(`slack emulator: the view has no input "${k}"`);
  return out;
};

/** An input block that `optional: false` (the default) and was left empty: Slack refuses the submission itself. */
export const missingRequired = (view: Json, values: Record<string, Record<string, unknown>>): string[] =>
  ((view.blocks as Json[] | undefined) ?? [])
    .filter((b) => b.type === 'input' && b.optional !== true)
    .filter((b) => {
      const s = Object.values(values[String(b.block_id)] ?? {})[0] as Json | undefined;
      return (
        !s || (s.type === 'plain_text_input' ? !s.value : s.type === 'datetimepicker' ? s.selected_date_time == null : !s.selected_option)
      );
    })
    .map((b) => String(b.block_id));
