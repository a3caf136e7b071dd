/**
 * Every key that appears twice in the same object of a JSON text, at any depth (`a.b` for nested
 * ones). `JSON.parse` silently keeps the last of two equal keys, so it cannot see them; this reads
 * the raw text. Throws on text that is not JSON.
 */
export const repeatedKeys = (text: string): string[] => {
  let i = 0;
  const repeated: string[] = [];
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const expect = (c: string) => {
    if (text[i] !== c) throw new Error(`expected ${c} at ${i} in ${text.slice(0, 200)}`);
    i++;
  };
  const string = (): string => {
    expect('"');
    let out = '';
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error('unterminated string');
      if (text[i] === '\\') {
        out += text.slice(i, i + 2);
        i += 2;
      } else out += text[i++];
    }
    i++;
    return JSON.parse(`"${out}"`) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = string();
        const at = path ? `${path}.${key}` : key;
        if (seen.has(key)) repeated.push(at);
        seen.add(key);
        ws();
        expect(':');
        value(at);
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return void string();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw new Error(`not JSON at ${i}: ${text.slice(i, i + 40)}`);
    i += m[0].length;
  };
  value('');
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return repeated;
};
