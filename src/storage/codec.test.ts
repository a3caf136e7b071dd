import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { decodeRow, encodeRow } from './codec.ts';

// keyv's own serializer, as a keyv instance uses it (the format rows were written in before).
const keyv = new Keyv();
const defaultSerialize = async (data: unknown): Promise<string> => (await keyv.serializeData(data as never)) as string;
const defaultDeserialize = async (text: string): Promise<unknown> => keyv.deserializeData(text);

// Values as the bot stores them: JSON data, strings that start with ':' (a Slack emoji, a time), Buffers.
const colonString = fc.string().map((s) => `:${s}`);
const leaf = fc.oneof(
  fc.string(),
  colonString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node')),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('a,', 'b:', 'c[')), tie('node')),
  ),
})).node;

describe('row codec (keyv format)', () => {
  it('writes exactly the text keyv writes', () => {
    fc.assert(
      fc.asyncProperty(value, async (v) => {
        expect(encodeRow({ value: v, expires: 1 })).toBe(await defaultSerialize({ value: v, expires: 1 }));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads what keyv writes, to the same value keyv reads', () => {
    fc.assert(
      fc.asyncProperty(value, async (v) => {
        const text = await defaultSerialize({ value: v });
        expect(decodeRow(text)).toEqual(await defaultDeserialize(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips Buffers, colon strings and dates as keyv does', async () => {
    const data = {
      value: { png: Buffer.from([1, 2, 250]), emoji: ':fire:', at: new Date(0), nested: [':x', { y: '::' }], skip: undefined },
    };
    expect(encodeRow(data)).toBe(await defaultSerialize(data));
    expect(decodeRow(encodeRow(data))).toEqual(await defaultDeserialize(await defaultSerialize(data)));
    expect(encodeRow(':top')).toBe(await defaultSerialize(':top'));
    expect(decodeRow(encodeRow(':top'))).toBe(':top');
  });
});
