import { describe, expect, it } from 'vitest';
import { httpUrl } from './url.ts';
import { sameSecret } from './secrets.ts';

describe('httpUrl', () => {
  it('keeps absolute http(s) URLs and refuses every other scheme, relative and malformed ones', () => {
    expect(httpUrl('https://status.example.com/incidents/1')).toBe('https://status.example.com/incidents/1');
    expect(httpUrl('HTTP://Example.com')).toBe('http://example.com/');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', 'example.com', 'ftp://x.example', 'https://', ''])
      expect(httpUrl(bad)).toBeUndefined();
    expect(httpUrl(`https://x.example/${'a'.repeat(600)}`, 512)).toBeUndefined();
  });
});

describe('sameSecret', () => {
  it('says equal only for the same string, whatever the lengths', () => {
    expect(sameSecret('s3cret', 's3cret')).toBe(true);
    expect(sameSecret('s3cret', 's3cre')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });
});
