import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { DEFAULT_TENANT, nowSeconds } from '../../database/columns';
import { isUniqueViolation } from '../../database/unique-violation';
import { UsedJti } from './used-jti.entity';

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * The one place that decides whether an assertion `jti` was seen before. The decision is a
 * single INSERT on the primary key (tenant, issuer, jti): of any number of concurrent uses,
 * on any number of instances, exactly one inserts. Never check-then-insert.
 */
@Injectable()
export class ReplayStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReplayStore.name);
  private timer?: NodeJS.Timeout;

  constructor(@InjectRepository(UsedJti) private readonly repo: Repository<UsedJti>) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Records `jti` as used until `expiresAt`; false when it was used already. Call it last,
   * after every other check passed, so a rejected request does not burn the jti.
   */
  async consume(issuer: string, jti: string, expiresAt: number): Promise<boolean> {
    const row = { tenant: DEFAULT_TENANT, issuer, jti, expiresAt };
    try {
      await this.repo.insert(row);
      return true;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    // The jti is taken. If only by a row whose assertion has expired (not swept yet), that
    // row guards nothing: drop it and let one INSERT decide again.
    const dropped = await this.repo.delete({ tenant: DEFAULT_TENANT, issuer, jti, expiresAt: LessThan(nowSeconds()) });
    if (!dropped.affected) return false;
    try {
      await this.repo.insert(row);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
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
