import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { DpopSettings } from '../../config/config.schema';
import { nowSeconds } from '../../database/columns';
import { SecurityService } from '../../security/security.service';

/**
 * Server nonces for DPoP proofs (RFC 9449 §8): stateless, so every instance that shares the
 * master key issues and accepts the same ones — the HMAC (under a key derived from the master
 * key for this purpose alone) of the current time window. A nonce rotates with its window and is
 * accepted in that window and the next, so one handed out just before a rotation still works.
 */
@Injectable()
export class DpopNonces {
  constructor(
    private readonly security: SecurityService,
    private readonly settings: DpopSettings,
  ) {}

  /** `[oauth.dpop] require_nonce`: every proof must carry a current nonce. */
  get required(): boolean {
    return this.settings.require_nonce;
  }

  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(now = nowSeconds()): string {
    return this.of(this.window(now));
  }

  /** Whether `nonce` is the current window's or the previous one's. */
  accepts(nonce: string, now = nowSeconds()): boolean {
    const window = this.window(now);
    return same(nonce, this.of(window)) || same(nonce, this.of(window - 1));
  }

  /** A window as long as a proof may be old: a nonce lives between one and two of them. */
  private window(now: number): number {
    return Math.floor(now / this.settings.proof_max_age);
  }

  private of(window: number): string {
    return this.security.keyedDigest('dpop-nonce', String(window));
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
