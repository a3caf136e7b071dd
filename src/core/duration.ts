const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30s`, `1.5m`, `500ms`, `2h`, `1d`, or a bare number of milliseconds. Returns undefined when malformed. */
export const parseDuration = (input: string | number): number | undefined => {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(input);
  if (!m) return undefined;
  const value = Number(m[1]);
  return Math.round(value * UNIT_MS[m[2] ?? 'ms']!);
};
