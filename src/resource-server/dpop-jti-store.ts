/**
 * Where the guard remembers the DPoP proofs it accepted (RFC 9449 §11.1), so a proof is used
 * once. The default keeps them in this process, which is enough for one instance. Several
 * instances behind one load balancer must share one store, or a proof replayed to another
 * instance passes there: implement this interface over a shared store whose write is atomic
 * (for example Redis `SET key 1 NX EXAT expiresAt`, or an INSERT on a primary key) and pass it as
 * `dpop.jtiStore`.
 */
export interface DpopJtiStore {
  /**
   * Records `key` (the proof key's thumbprint and the proof's jti) as used until `expiresAt`
   * (epoch seconds). Resolves true when it was not recorded before, false when it was: one
   * atomic step, never check-then-set, so of concurrent uses exactly one gets true.
   */
  use(key: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Entries kept at most; past it the oldest go (a proof that old fails the iat check anyway once proofMaxAge passed). */
const MAX_ENTRIES = 100_000;

/** The default store: a Map in this process, swept of expired entries as it is used. */
export class InMemoryDpopJtiStore implements DpopJtiStore {
  private readonly used = new Map<string, number>();
  private nextSweep = 0;

  use(key: string, expiresAt: number, now = Date.now() / 1000): boolean {
    this.sweep(now);
    const until = this.used.get(key);
    if (until !== undefined && until >= now) return false;
    // JavaScript runs this without interleaving: the check and the set are one step.
    this.used.delete(key);
    this.used.set(key, expiresAt);
    if (this.used.size > MAX_ENTRIES) this.used.delete(this.used.keys().next().value as string);
    return true;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 10;
    for (const [key, until] of this.used) if (until < now) this.used.delete(key);
  }
}
