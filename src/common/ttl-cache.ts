/**
 * A small in-process cache with a lifetime and a capacity (oldest entries leave first).
 * grantry's record caches hold positive answers only, so a record created elsewhere is seen
 * at once and a changed or deleted one at most `ttlSeconds` later.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();

  constructor(private readonly ttlSeconds: number, private readonly capacity: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores for the cache's lifetime, or for `ttlSeconds` when that is shorter. */
  set(key: K, value: V, ttlSeconds = this.ttlSeconds): void {
    const ttl = Math.min(ttlSeconds, this.ttlSeconds);
    if (ttl <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: Date.now() + ttl * 1000 });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
