/**
 * Sets `key` in a map used as a cache keyed by users or chats, keeping at most `max` entries: the
 * least recently set go first (a Map iterates in insertion order). Without a bound, such a map grows
 * with every user who ever wrote to the bot.
 */
export const setBounded = <K, V>(map: Map<K, V>, key: K, value: V, max: number): void => {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
};
