import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { logLine } from '../common/log-text';
import { AuditSettings, HousekeepingSettings } from '../config/config.schema';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { nowSeconds } from '../database/columns';
import type { DatabaseKind } from '../database/data-source-options';
import { sweepStatement } from './sweep-statement';
import { RETAINED_TABLES, SWEPT_TABLES } from './swept-tables';

/** A table to sweep: rows whose `column` is before `cutoff` (epoch seconds) go. */
interface Sweep {
  table: string;
  column: string;
  cutoff: number;
}

/** True when this instance sweeps on a timer (a server); false for the CLI, which only may sweep on demand. */
export const PERIODIC_SWEEPS = Symbol('housekeeping: periodic sweeps');

/** Batches per table in one sweep at most, so one sweep is bounded; the next sweep goes on where it stopped. */
export const MAX_BATCHES_PER_TABLE = 1000;

export interface SweepOptions {
  /** Overrides MAX_BATCHES_PER_TABLE for this sweep. */
  maxBatchesPerTable?: number;
}

export interface SweepResult {
  /** Rows deleted, per swept table (0 included). */
  deleted: Record<string, number>;
  /** Tables whose sweep failed, with the error message; the next sweep tries them again. */
  failed: Record<string, string>;
  /** Tables that may still hold expired rows: the batch cap, a lost deadlock, a busy connection, a shutdown. */
  unfinished: string[];
  ms: number;
}

/**
 * Deletes expired rows (SWEPT_TABLES) in batches of `[housekeeping] batch_size`, every `interval`
 * seconds in a server, and on demand (`sweepNow`). A batch is one short statement that locks only
 * the rows it deletes (see sweepStatement), so requests and other instances' sweeps go on; between
 * batches the event loop serves requests. Sweeps of one instance run one after another. Each
 * batch is an atomic write like any other (`AtomicWriter`): on SQLite it joins the group commit
 * of the writer thread instead of competing with it from the application's connection.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Housekeeping');
  private readonly kind: DatabaseKind;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** The latest sweep, settled or not: the next one starts after it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dataSource: DataSource,
    private readonly writer: AtomicWriter,
    private readonly settings: HousekeepingSettings,
    @Inject(PERIODIC_SWEEPS) private readonly periodic: boolean,
    private readonly audit: AuditSettings,
  ) {
    const type = dataSource.options.type;
    this.kind = type === 'better-sqlite3' ? 'sqlite' : type === 'postgres' ? 'postgres' : 'mysql';
  }

  onApplicationBootstrap(): void {
    if (this.periodic && this.settings.enable) this.schedule();
  }

  /** Stops the timer and lets a running sweep end after its current batch, before the data source closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  /** Runs one sweep now, after the one in flight if any; never rejects (failures are in the result and the log). */
  sweepNow(options: SweepOptions = {}): Promise<SweepResult> {
    const sweep = this.queue.then(() => this.sweep(options));
    this.queue = sweep.catch(() => undefined);
    return sweep;
  }

  /** The next sweep `interval` seconds after the previous one ended, so timer sweeps cannot pile up. */
  private schedule(): void {
    this.timer = setTimeout(() => {
      const next = () => (this.stopped ? undefined : this.schedule());
      void this.sweepNow().then(next, next);
    }, this.settings.interval * 1000);
    this.timer.unref();
  }

  private async sweep({ maxBatchesPerTable = MAX_BATCHES_PER_TABLE }: SweepOptions): Promise<SweepResult> {
    const started = performance.now();
    const result: SweepResult = { deleted: {}, failed: {}, unfinished: [], ms: 0 };
    for (const sweep of this.sweeps(nowSeconds())) {
      const { table } = sweep;
      const progress = { deleted: 0 };
      try {
        if (!(await this.sweepTable(sweep, maxBatchesPerTable, progress))) result.unfinished.push(table);
      } catch (error) {
        const message = logLine((error as Error)?.message ?? String(error));
        if (isContention(error)) {
          this.logger.debug(`housekeeping: ${table} left for the next sweep: ${message}`);
          result.unfinished.push(table);
        } else {
          this.logger.warn(`housekeeping: sweeping ${table} failed: ${message}`);
          result.failed[table] = message;
        }
      }
      result.deleted[table] = progress.deleted;
    }
    result.ms = Math.round(performance.now() - started);
    this.report(result);
    return result;
  }

  /** What this sweep deletes: expired rows, then audit events older than `[audit] retention_days` (0: kept). */
  private sweeps(now: number): Sweep[] {
    // Instances' clocks differ a little: a row is swept only once every instance sees it expired.
    const expired = SWEPT_TABLES.map((table) => ({ table, column: 'expires_at', cutoff: now - this.settings.grace_period }));
    if (this.audit.retention_days === 0) return expired;
    return [...expired, ...RETAINED_TABLES.map(({ table, column }) => ({ table, column, cutoff: now - this.audit.retention_days * 86400 }))];
  }

  /** True when the table has no row left to sweep (a batch came back short). */
  private async sweepTable({ table, column, cutoff }: Sweep, maxBatches: number, progress: { deleted: number }): Promise<boolean> {
    if (this.stopped) return false;
    // MySQL/MariaDB: READ COMMITTED takes no gap locks, so the DELETE blocks no INSERT of a new row.
    const batch: WriteStep = { sql: sweepStatement(this.kind, table, this.settings.batch_size, column), params: [cutoff], readCommitted: true };
    for (let count = 1; ; count++) {
      const [deleted] = await this.writer.commit([batch]);
      // typeorm#7374: a driver that reports no count would end the loop as if the table were clean.
      if (!Number.isInteger(deleted)) throw new Error('the database driver did not report affected rows');
      progress.deleted += deleted;
      if (deleted < this.settings.batch_size) return true;
      if (count >= maxBatches || this.stopped) return false;
      await nextTurn(); // requests waiting for the event loop go first
    }
  }

  /** One line per sweep that deleted anything (info); otherwise debug only. */
  private report({ deleted, unfinished, ms }: SweepResult): void {
    const swept = Object.entries(deleted).filter(([, count]) => count > 0);
    const total = swept.reduce((sum, [, count]) => sum + count, 0);
    const left = unfinished.length ? `; more next time: ${unfinished.join(', ')}` : '';
    if (total > 0) {
      this.logger.log(`housekeeping: swept ${total} rows (${swept.map(([table, count]) => `${table} ${count}`).join(', ')}) in ${ms} ms${left}`);
    } else {
      this.logger.debug(`housekeeping: nothing expired to sweep (${ms} ms)${left}`);
    }
  }
}

/** Deadlock victim, lock wait timeout or serialization failure (PostgreSQL, MySQL/MariaDB), or a busy SQLite file. */
function isContention(error: unknown): boolean {
  const driverError = ((error as { driverError?: unknown })?.driverError ?? error) as { code?: string; errno?: number } | undefined;
  const code = driverError?.code;
  return (
    code === '40P01' || code === '40001' || code === '55P03' ||
    code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || driverError?.errno === 1213 || driverError?.errno === 1205 ||
    code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
  );
}
