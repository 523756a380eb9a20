import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SqliteDatabase } from './sqlite-batch';
import { Refused, SqliteBatchRunner, SqliteGroupCommit } from './sqlite-group-commit';
import { SqliteInProcessRunner } from './sqlite-in-process.runner';
import { SqliteWriterThread } from './sqlite-writer-thread';
import { isUniqueViolation } from './unique-violation';
import type { WriteStep } from './write-step';

export type { WriteStep };

const DEADLOCK_ATTEMPTS = 3;

interface SqlitePragmas {
  pragma(name: string, options: { simple: true }): unknown;
}

/** MySQL/MariaDB ER_LOCK_DEADLOCK, PostgreSQL deadlock_detected: the transaction was rolled back whole. */
function isDeadlock(error: unknown): boolean {
  const driverError = ((error as { driverError?: unknown })?.driverError ?? error) as { code?: string; errno?: number };
  return driverError?.errno === 1213 || driverError?.code === 'ER_LOCK_DEADLOCK' || driverError?.code === '40P01';
}

/**
 * Runs the writes that end a request — consuming its one-time artefacts and storing what
 * replaces them — all or nothing: in one transaction (PostgreSQL, MySQL), or a savepoint of a
 * group commit on SQLite (see SqliteGroupCommit), committed by a writer thread on a connection of
 * its own (an awaited TypeORM transaction on the application's one SQLite connection would take in
 * other requests' statements). When a step's expectation fails, nothing of the write stays and
 * its `refused` error is thrown.
 */
@Injectable()
export class AtomicWriter implements OnApplicationShutdown {
  private readonly kind: 'sqlite' | 'postgres' | 'mysql';
  private sqlite?: SqliteGroupCommit;

  constructor(private readonly dataSource: DataSource) {
    const type = dataSource.options.type;
    this.kind = type === 'better-sqlite3' ? 'sqlite' : type === 'postgres' ? 'postgres' : 'mysql';
  }

  /** Commits `steps` together; resolves with the rows each one changed (what a sweep or a revocation counts). */
  async commit(steps: readonly WriteStep[]): Promise<number[]> {
    if (!steps.length) return []; // the hot path of a plain client_credentials token writes nothing
    try {
      if (this.kind === 'sqlite') return await this.sqliteGroup().commit(steps);
      return await this.commitPooled(steps);
    } catch (error) {
      if (error instanceof Refused) throw await error.step.refused!();
      throw error;
    }
  }

  /** Commits what is in flight and stops the SQLite writer thread. */
  async onApplicationShutdown(): Promise<void> {
    await this.sqlite?.close();
  }

  private sqliteGroup(): SqliteGroupCommit {
    // The connection exists once the data source initialised, which is before any request.
    return (this.sqlite ??= new SqliteGroupCommit(this.sqliteRunner()));
  }

  /** A writer thread for a database file; an in-memory database exists on this connection only. */
  private sqliteRunner(): SqliteBatchRunner {
    const db = (this.dataSource.driver as unknown as { databaseConnection: SqliteDatabase & SqlitePragmas }).databaseConnection;
    const file = this.dataSource.options.database as string;
    if (file === ':memory:' || !SqliteWriterThread.script()) return new SqliteInProcessRunner(db);
    const pragmas = ['synchronous', 'busy_timeout', 'foreign_keys'].map((name) => `${name} = ${db.pragma(name, { simple: true })}`);
    return new SqliteWriterThread({ file, pragmas });
  }

  /**
   * READ COMMITTED: InnoDB then takes no gap locks for the DELETE of an expired jti that finds
   * nothing, which under REPEATABLE READ deadlocks two concurrent INSERTs of the same key. A
   * deadlock that still happens rolled the whole transaction back, so it is tried again.
   */
  private async commitPooled(steps: readonly WriteStep[]): Promise<number[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commitPooledOnce(steps);
      } catch (error) {
        if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
      }
    }
  }

  private async commitPooledOnce(steps: readonly WriteStep[]): Promise<number[]> {
    const runner = this.dataSource.createQueryRunner('master');
    await runner.connect();
    const transactional = steps.length > 1 || (this.kind === 'mysql' && steps.some((step) => step.readCommitted));
    const changes: number[] = [];
    try {
      if (transactional) await runner.startTransaction('READ COMMITTED');
      for (const step of steps) {
        let affected: number | undefined;
        try {
          affected = (await runner.query(this.dialect(step.sql), [...step.params], true)).affected;
        } catch (error) {
          if (step.expect === 'new-key' && isUniqueViolation(error)) throw new Refused(step);
          throw error;
        }
        if (step.expect === 'one-row') {
          // typeorm#7374: a driver that does not report affected rows must not pass for "one".
          if (affected === undefined) throw new Error('the database driver did not report affected rows');
          if (affected !== 1) throw new Refused(step);
        }
        changes.push(affected ?? Number.NaN); // NaN: the driver reported no count (typeorm#7374)
      }
      if (transactional) await runner.commitTransaction();
      return changes;
    } catch (error) {
      if (transactional && runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** PostgreSQL numbers its placeholders. */
  private dialect(sql: string): string {
    if (this.kind !== 'postgres') return sql;
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  }
}
