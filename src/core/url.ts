/**
 * The one URL check: only absolute http(s) URLs become links or sources; anything else (javascript:,
 * data:, relative, malformed) is refused. Returns the normalised URL, or undefined.
 */
export const httpUrl = (url: string, maxLength = Number.POSITIVE_INFINITY): string | undefined => {
  if (url.length > maxLength) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
};
