import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { IssuerContext } from '../../common/issuer-context';
import type { WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import type { AssertionJti } from '../extension-points';
import { UsedJti } from './used-jti.entity';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** 9999-12-31T23:59:59Z */
const MAX_EPOCH_SECONDS = 253402300799;

/**
 * The one place that decides whether an assertion `jti` was seen before. The decision is a
 * single INSERT on the primary key (tenant, issuer, jti): of any number of concurrent uses,
 * on any number of instances, exactly one inserts. Never check-then-insert. The endpoint runs
 * it last, with the rest of the request's writes, so a refused request burns no jti.
 */
@Injectable()
export class ReplayStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReplayStore.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(UsedJti) private readonly repo: Repository<UsedJti>,
    private readonly context: IssuerContext,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The statements that record `jti` as used until `expiresAt`; `refused` when it was used already. */
  consumption({ issuer, jti, expiresAt }: AssertionJti, refused: () => Error): WriteStep[] {
    const tenant = this.context.tenant;
    // NumericDate may carry a fraction (RFC 7519 §2), and an uncapped lifetime may exceed any column: keep
    // the row at least as long as asked, in whole seconds, at most until the year 9999.
    const until = Math.min(Math.ceil(expiresAt), MAX_EPOCH_SECONDS);
    return [
      // A row of an assertion that has expired (not swept yet) guards nothing: it must not block the INSERT.
      { sql: 'DELETE FROM used_jtis WHERE tenant = ? AND issuer = ? AND jti = ? AND expires_at < ?', params: [tenant, issuer, jti, nowSeconds()] },
      { sql: 'INSERT INTO used_jtis (tenant, issuer, jti, expires_at) VALUES (?, ?, ?, ?)', params: [tenant, issuer, jti, until], expect: 'new-key', refused },
    ];
  }

  /** Deletes rows of assertions that have expired. */
  async sweep(): Promise<void> {
    try {
      await this.repo.delete({ expiresAt: LessThan(nowSeconds()) });
    } catch (error) {
      this.logger.warn(`sweeping used jtis failed: ${(error as Error).message}`);
    }
  }
}
