import type { Json } from './state.ts';
import type { FormError } from './validate.ts';

/**
 * The MODAL interaction response (callback type 9) as strict as Discord
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
 * https://discord.com/developers/docs/components/reference#label, #text-input, #string-select, #text-display):
 * `custom_id` 1-100, `title` 1-45, 1-5 top-level components, each a Label (18: `label` ≤ 45,
 * `description` ≤ 100, one text input or string select), a Text Display (10: `content` ≤ 4000), or a
 * (deprecated) action row of one text input. Text input: `custom_id` 1-100, `style` 1 or 2,
 * `min_length` 0-4000, `max_length` 1-4000, `value` and `placeholder` within 4000 / 100. String
 * select: 1-25 options (label and value 1-100, description ≤ 100), `min_values` 0-25, `max_values`
 * 1-25 and not above the options. Custom ids unique in the modal. A modal answers a command or a
 * component interaction, never a modal submission.
 */
const problem = (path: (string | number)[], code: string, message: string): FormError => {
  let errors: Json = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [String(key)]: errors };
  return { status: 400, body: { code: 50035, message: 'Invalid Form Body', errors } };
};
const len = (v: unknown, min: number, max: number, path: (string | number)[]): FormError | undefined =>
  typeof v !== 'string' || [...v].length < min || [...v].length > max
    ? problem(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`)
    : undefined;
const optLen = (v: unknown, max: number, path: (string | number)[]): FormError | undefined =>
  v === undefined ? undefined : len(v, 0, max, path);

const textInput = (c: Json, at: (string | number)[], ids: Set<string>): FormError | undefined => {
  const bad =
    len(c.custom_id, 1, 100, [...at, 'custom_id']) ??
    (c.style !== 1 && c.style !== 2 ? problem([...at, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of (1, 2).') : undefined) ??
    optLen(c.value, 4000, [...at, 'value']) ??
    optLen(c.placeholder, 100, [...at, 'placeholder']);
  if (bad) return bad;
  const min = c.min_length === undefined ? 0 : Number(c.min_length);
  const max = c.max_length === undefined ? 4000 : Number(c.max_length);
  if (!(min >= 0 && min <= 4000))
    return problem([...at, 'min_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
  if (!(max >= 1 && max <= 4000 && max >= min))
    return problem([...at, 'max_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
  if (typeof c.value === 'string' && [...c.value].length > max)
    return problem([...at, 'value'], 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  if (ids.has(String(c.custom_id)))
    return problem([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  ids.add(String(c.custom_id));
  return undefined;
};

/** A string select (type 3, https://discord.com/developers/docs/components/reference#string-select), in a modal's Label or a message's action row. */
export const stringSelect = (c: Json, at: (string | number)[], ids: Set<string>): FormError | undefined => {
  const bad = len(c.custom_id, 1, 100, [...at, 'custom_id']) ?? optLen(c.placeholder, 150, [...at, 'placeholder']);
  if (bad) return bad;
  const options = c.options as Json[] | undefined;
  if (!Array.isArray(options) || options.length < 1 || options.length > 25)
    return problem([...at, 'options'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
  for (const [i, o] of options.entries()) {
    const e =
      len(o.label, 1, 100, [...at, 'options', i, 'label']) ??
      len(o.value, 1, 100, [...at, 'options', i, 'value']) ??
      optLen(o.description, 100, [...at, 'options', i, 'description']);
    if (e) return e;
  }
  const min = c.min_values === undefined ? 1 : Number(c.min_values);
  const max = c.max_values === undefined ? 1 : Number(c.max_values);
  if (!(min >= 0 && min <= 25)) return problem([...at, 'min_values'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  if (!(max >= 1 && max <= 25 && max >= min))
    return problem([...at, 'max_values'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  if (max > options.length)
    return problem(
      [...at, 'max_values'],
      'SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS',
      'max_values must be less than or equal to the number of options',
    );
  if (ids.has(String(c.custom_id)))
    return problem([...at, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
  ids.add(String(c.custom_id));
  return undefined;
};

/** Errors for a type 9 callback's `data`, undefined when Discord would show the modal. */
export const validateModal = (data: Json): FormError | undefined => {
  const bad = len(data.custom_id, 1, 100, ['data', 'custom_id']) ?? len(data.title, 1, 45, ['data', 'title']);
  if (bad) return bad;
  const components = data.components as Json[] | undefined;
  if (!Array.isArray(components) || components.length < 1 || components.length > 5)
    return problem(['data', 'components'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 5 in length.');
  const ids = new Set<string>();
  for (const [i, c] of components.entries()) {
    const at = ['data', 'components', i];
    if (c.type === 18) {
      const e = len(c.label, 1, 45, [...at, 'label']) ?? optLen(c.description, 100, [...at, 'description']);
      if (e) return e;
      const inner = c.component as Json | undefined;
      if (!inner) return problem([...at, 'component'], 'BASE_TYPE_REQUIRED', 'This field is required');
      const ie =
        inner.type === 4
          ? textInput(inner, [...at, 'component'], ids)
          : inner.type === 3
            ? stringSelect(inner, [...at, 'component'], ids)
            : problem([...at, 'component', 'type'], 'COMPONENT_TYPE_INVALID', 'Invalid component type');
      if (ie) return ie;
    } else if (c.type === 10) {
      const e = len(c.content, 1, 4000, [...at, 'content']);
      if (e) return e;
    } else if (c.type === 1) {
      const row = c.components as Json[] | undefined;
      if (!Array.isArray(row) || row.length !== 1 || row[0]!.type !== 4)
        return problem([...at, 'components'], 'COMPONENT_TYPE_INVALID', 'Invalid component type');
      const e = textInput(row[0]!, [...at, 'components', 0], ids);
      if (e) return e;
    } else return problem([...at, 'type'], 'COMPONENT_TYPE_INVALID', 'Invalid component type');
  }
  return undefined;
};

/** What a user enters in a modal, by custom_id: text for a text input, chosen values for a select. */
export type ModalInputs = Readonly<Record<string, string | readonly string[]>>;

/**
 * The `data.components` of the MODAL_SUBMIT Discord sends for what the user entered
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-modal-submit-data-structure):
 * every input of the modal with its value (a text input's prefilled value when left alone). As the
 * client does, a required input left empty, too few or too many choices, or a value not offered
 * never leave the client: that throws here, like a test that typed something Discord would not send.
 */
export const modalSubmitComponents = (modal: Json, inputs: ModalInputs): Json[] => {
  const used = new Set<string>();
  const out: Json[] = [];
  for (const c of modal.components as Json[]) {
    if (c.type === 10) {
      out.push({ type: 10, id: c.id ?? 0 });
      continue;
    }
    const inner = (c.type === 18 ? c.component : (c.components as Json[])[0]) as Json;
    const id = String(inner.custom_id);
    used.add(id);
    let submitted: Json;
    if (inner.type === 4) {
      const value = id in inputs ? String(inputs[id]) : String(inner.value ?? '');
      if (inner.required !== false && value === '')
        throw new Error(`discord emulator: the client does not submit an empty required input ${id}`);
      if (value.length > Number(inner.max_length ?? 4000) || value.length < Number(inner.min_length ?? 0))
        throw new Error(`discord emulator: ${id} is outside its length bounds`);
      submitted = { type: 4, custom_id: id, value };
    } else {
      const values =
        id in inputs
          ? [...(inputs[id] as readonly string[])]
          : (inner.options as Json[]).filter((o) => o.default === true).map((o) => String(o.value));
      const offered = new Set((inner.options as Json[]).map((o) => String(o.value)));
      const min = Number(inner.min_values ?? 1);
      const max = Number(inner.max_values ?? 1);
      if (values.some((v) => !offered.has(v))) throw new Error(`discord emulator: ${id} does not offer ${values.join(',')}`);
      if (values.length > max || (values.length < min && inner.required !== false))
        throw new Error(`discord emulator: ${id} takes ${min}-${max} values, not ${values.length}`);
      submitted = { type: 3, custom_id: id, values };
    }
    out.push(c.type === 18 ? { type: 18, id: c.id ?? 0, component: submitted } : { type: 1, components: [submitted] });
  }
  for (const k of Object.keys(inputs)) if (!used.has(k)) throw new Error(`discord emulator: the modal has no input ${k}`);
  return out;
};
