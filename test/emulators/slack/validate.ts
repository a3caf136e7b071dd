/**
 * Block Kit checks as strict as Slack's own (docs.slack.dev/reference/block-kit/blocks; docs/platforms.md §2).
 * Slack answers `invalid_blocks` with `response_metadata.messages` like
 * "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]".
 */

type Json = Record<string, unknown>;

const KNOWN_BLOCKS = new Set([
  'header',
  'section',
  'context',
  'actions',
  'divider',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
  'markdown',
]);

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const textObject = (v: unknown, at: string, max: number, errors: string[], only?: 'plain_text'): void => {
  if (!isObj(v) || (v.type !== 'plain_text' && v.type !== 'mrkdwn') || typeof v.text !== 'string') {
    errors.push(`[ERROR] must provide an object [json-pointer:${at}]`);
    return;
  }
  if (only && v.type !== only) errors.push(`[ERROR] must be a valid enum value [json-pointer:${at}/type]`);
  if (v.text.length === 0) errors.push(`[ERROR] must be more than 0 characters [json-pointer:${at}/text]`);
  if (v.text.length > max) errors.push(`[ERROR] must be less than ${max + 1} characters [json-pointer:${at}/text]`);
};

const element = (e: unknown, at: string, errors: string[]): void => {
  if (!isObj(e)) return void errors.push(`[ERROR] must provide an object [json-pointer:${at}]`);
  if (e.type === 'button') {
    textObject(e.text, `${at}/text`, 75, errors, 'plain_text');
    if (e.url !== undefined && (typeof e.url !== 'string' || e.url.length > 3000 || !/^https?:\/\//.test(e.url)))
      errors.push(`[ERROR] must be a valid URL [json-pointer:${at}/url]`);
    if (typeof e.value === 'string' && e.value.length > 2000)
      errors.push(`[ERROR] must be less than 2001 characters [json-pointer:${at}/value]`);
  }
};

/** Errors for a `blocks` array, empty when Slack would accept it. */
export const validateBlocks = (blocks: unknown, maxBlocks: number): string[] => {
  const errors: string[] = [];
  if (!Array.isArray(blocks)) return ['[ERROR] must provide an array [json-pointer:/blocks]'];
  if (blocks.length > maxBlocks) errors.push(`[ERROR] no more than ${maxBlocks} items allowed [json-pointer:/blocks]`);
  blocks.forEach((b, i) => {
    const at = `/blocks/${i}`;
    if (!isObj(b) || typeof b.type !== 'string' || !KNOWN_BLOCKS.has(b.type))
      return void errors.push(`[ERROR] unsupported type [json-pointer:${at}/type]`);
    switch (b.type) {
      case 'header':
        textObject(b.text, `${at}/text`, 150, errors, 'plain_text');
        break;
      case 'section': {
        if (b.text === undefined && b.fields === undefined) errors.push(`[ERROR] must provide text or fields [json-pointer:${at}]`);
        if (b.text !== undefined) textObject(b.text, `${at}/text`, 3000, errors);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length > 10)
            errors.push(`[ERROR] no more than 10 items allowed [json-pointer:${at}/fields]`);
          else b.fields.forEach((f, j) => textObject(f, `${at}/fields/${j}`, 2000, errors));
        }
        if (b.accessory !== undefined) element(b.accessory, `${at}/accessory`, errors);
        break;
      }
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
          errors.push(`[ERROR] must have 1 to 10 items [json-pointer:${at}/elements]`);
        else b.elements.forEach((e, j) => textObject(e, `${at}/elements/${j}`, 3000, errors));
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25)
          errors.push(`[ERROR] must have 1 to 25 items [json-pointer:${at}/elements]`);
        else b.elements.forEach((e, j) => element(e, `${at}/elements/${j}`, errors));
        break;
    }
  });
  return errors;
};

/** Every text Slack would parse for mentions and links: top-level `text` and mrkdwn objects. */
export const textsOf = (text: unknown, blocks: unknown): string[] => {
  const out: string[] = typeof text === 'string' ? [text] : [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isObj(v)) return;
    if ((v.type === 'mrkdwn' || v.type === 'plain_text') && typeof v.text === 'string') out.push(v.text);
    for (const value of Object.values(v)) if (typeof value === 'object') walk(value);
  };
  walk(blocks);
  return out;
};

/**
 * What Slack would turn into a notification: `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`,
 * `<!subteam^…>` (api.slack.com/reference/surfaces/formatting#advanced). Escaped text (`&lt;!channel&gt;`)
 * is inert and not matched.
 */
export const mentionsIn = (texts: readonly string[]): string[] =>
  texts.flatMap((t) => [...t.matchAll(/<(!channel|!here|!everyone|@[UW][A-Z0-9]*|!subteam\^[^>]*)(\|[^>]*)?>/g)].map((m) => m[1]!));
