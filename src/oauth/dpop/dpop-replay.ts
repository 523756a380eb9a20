import { Injectable, Optional } from '@nestjs/common';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { MetricsService } from '../../observability/metrics.service';

/**
 * The one place that decides whether a DPoP proof was used before (RFC 9449 §11.1): a single
 * INSERT on the primary key (jkt, jti) of `dpop_jtis`, so of any number of concurrent uses, on any
 * number of instances, exactly one inserts. One server-wide namespace, not per tenant: a
 * proof's `htu` may name every tenant at once (`?tenantDomain=` is not part of it). The endpoint
 * runs it last, with the request's other writes, so a refused request burns no proof. Rows go
 * with the housekeeping sweep once no proof of theirs could pass the `iat` check any more.
 */
@Injectable()
export class DpopReplay {
  constructor(@Optional() private readonly metrics?: MetricsService) {}

  /** The statements that record the proof as used until `expiresAt`; `refused` when it was used already. */
  consumption(jkt: string, jti: string, expiresAt: number, refused: () => Error): WriteStep[] {
    return [
      // An expired row (not swept yet) guards nothing: it must not block the INSERT.
      { sql: 'DELETE FROM dpop_jtis WHERE jkt = ? AND jti = ? AND expires_at < ?', params: [jkt, jti, nowSeconds()] },
      {
        sql: 'INSERT INTO dpop_jtis (jkt, jti, expires_at) VALUES (?, ?, ?)',
        params: [jkt, jti, Math.ceil(expiresAt)],
        expect: 'new-key',
        refused: () => {
          this.metrics?.replayRejected();
          return refused();
        },
      },
    ];
  }
}
