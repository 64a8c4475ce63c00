/**
 * Every job in flight asks at once when a cached view goes stale: the first asker's read answers
 * all of them, instead of one Redis round trip each.
 */
export function sharedReads<V>() {
  const underWay = new Map<string, Promise<V>>();
  return (key: string, read: () => Promise<V>): Promise<V> => {
    let pending = underWay.get(key);
    if (!pending) {
      pending = read().finally(() => underWay.delete(key));
      underWay.set(key, pending);
    }
    return pending;
  };
}
