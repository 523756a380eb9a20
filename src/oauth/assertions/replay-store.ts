import { Injectable, Optional } from '@nestjs/common';
import { IssuerContext } from '../../common/issuer-context';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import { MetricsService } from '../../observability/metrics.service';
import type { AssertionJti } from '../core/extension-points';

/** 9999-12-31T23:59:59Z */
const MAX_EPOCH_SECONDS = 253402300799;

/**
 * The one place that decides whether an assertion `jti` was seen before. The decision is a
 * single INSERT on the primary key (tenant, issuer, jti): of any number of concurrent uses,
 * on any number of instances, exactly one inserts. Never check-then-insert. The endpoint runs
 * it last, with the rest of the request's writes, so a refused request burns no jti. Expired
 * rows are deleted by the housekeeping sweep (src/housekeeping).
 */
@Injectable()
export class ReplayStore {
  constructor(private readonly context: IssuerContext, @Optional() private readonly metrics?: MetricsService) {}

  /** The statements that record `jti` as used until `expiresAt`; `refused` when it was used already. */
  consumption({ issuer, jti, expiresAt }: AssertionJti, refused: () => Error): WriteStep[] {
    const tenant = this.context.tenant;
    // NumericDate may carry a fraction (RFC 7519 §2), and an uncapped lifetime may exceed any column: keep
    // the row at least as long as asked, in whole seconds, at most until the year 9999.
    const until = Math.min(Math.ceil(expiresAt), MAX_EPOCH_SECONDS);
    return [
      // A row of an assertion that has expired (not swept yet) guards nothing: it must not block the INSERT.
      { sql: 'DELETE FROM used_jtis WHERE tenant = ? AND issuer = ? AND jti = ? AND expires_at < ?', params: [tenant, issuer, jti, nowSeconds()] },
      {
        sql: 'INSERT INTO used_jtis (tenant, issuer, jti, expires_at) VALUES (?, ?, ?, ?)',
        params: [tenant, issuer, jti, until],
        expect: 'new-key',
        refused: () => {
          this.metrics?.replayRejected();
          return refused();
        },
      },
    ];
  }
}
