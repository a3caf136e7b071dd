import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'error500' | 'hang' | 'quota';

/** A strict local fake of a translation API: checks key, body shape and language, and counts calls. */
export interface TranslateFake {
  readonly url: string;
  calls: { path: string; body: Record<string, unknown>; auth: string | undefined }[];
  mode: FakeMode;
  close(): Promise<void>;
}

const readJson = async (req: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const start = async (
  handle: (fake: TranslateFake, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void,
): Promise<TranslateFake> => {
  const open = new Set<ServerResponse>();
  const fake: TranslateFake = { url: '', calls: [], mode: 'ok', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    void readJson(req).then((body) => {
      fake.calls.push({ path: req.url ?? '', body: body ?? {}, auth: req.headers.authorization });
      if (fake.mode === 'hang') return void open.add(res);
      if (!body || req.headers['content-type'] !== 'application/json')
        return send(res, 400, { error: 'Invalid request: expected a JSON body' });
      handle(fake, req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const r of open) r.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
};

/** What a fake "translates" to: the target code in brackets, so tests can see which code was sent. */
export const fakeTranslation = (code: string, text: string): string => `[${code}] ${text}`;

/** LibreTranslate: POST /translate {q, source, target, format, api_key} (https://docs.libretranslate.com/guides/api_usage). */
export const startLibreTranslate = (key: string): Promise<TranslateFake> => {
  const languages = new Set(['en', 'ar', 'zh-Hans', 'zh-Hant', 'es', 'pt', 'hi', 'id', 'ru', 'fr', 'de', 'ja']);
  return start((fake, req, res, body) => {
    if (req.method !== 'POST' || req.url !== '/translate') return send(res, 404, { error: 'Not Found' });
    if (body.api_key !== key) return send(res, 403, { error: 'Invalid API key' });
    if (fake.mode === 'error500') return send(res, 500, { error: 'Cannot translate text: model crashed' });
    if (fake.mode === 'quota') return send(res, 429, { error: 'Too many request limits violations' });
    const target = String(body.target);
    if (!languages.has(target)) return send(res, 400, { error: `${target} is not supported` });
    if (body.source !== 'auto' || body.format !== 'text' || !Array.isArray(body.q)) return send(res, 400, { error: 'Invalid request' });
    send(res, 200, {
      translatedText: (body.q as string[]).map((t) => fakeTranslation(target, t)),
      detectedLanguage: (body.q as string[]).map(() => ({ confidence: 90, language: 'en' })),
    });
  });
};

/** DeepL: POST /v2/translate {text, target_lang}, `Authorization: DeepL-Auth-Key` (https://developers.deepl.com/docs/api-reference/translate). */
export const startDeepL = (key: string): Promise<TranslateFake> => {
  const languages = new Set(['EN-US', 'AR', 'ZH-HANS', 'ZH-HANT', 'ES', 'PT-BR', 'ID', 'RU', 'FR', 'DE', 'JA']);
  return start((fake, req, res, body) => {
    if (req.method !== 'POST' || req.url !== '/v2/translate') return send(res, 404, { message: 'Not found' });
    if (req.headers.authorization !== `DeepL-Auth-Key ${key}`) return send(res, 403, { message: 'Authorization failure, check auth_key' });
    if (fake.mode === 'error500') return send(res, 503, { message: 'Service temporarily unavailable' });
    if (fake.mode === 'quota') return send(res, 456, { message: 'Quota exceeded' });
    const target = String(body.target_lang);
    if (!languages.has(target)) return send(res, 400, { message: "Value for 'target_lang' not supported." });
    if (!Array.isArray(body.text)) return send(res, 400, { message: "Parameter 'text' not specified." });
    send(res, 200, {
      translations: (body.text as string[]).map((t) => ({ detected_source_language: 'EN', text: fakeTranslation(target, t) })),
    });
  });
};
