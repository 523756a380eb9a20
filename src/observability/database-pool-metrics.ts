import { Injectable, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from './metrics.service';

/** A pool's state at one moment. */
export interface PoolState {
  idle: number;
  busy: number;
  waiting: number;
}

/** pg-pool's public counters (TypeORM's PostgresDriver keeps the pool as `master`). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** mysql2's pool keeps its counts in queues with a `length` (TypeORM's MysqlDriver keeps it as `pool`). */
interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/**
 * How to read the pool of this data source; undefined for SQLite, whose one connection has no
 * pool to watch (a busy SQLite file shows as latency and as 503s, not here).
 */
export function poolReader(dataSource: DataSource): (() => PoolState | undefined) | undefined {
  const driver = dataSource.driver as unknown as { master?: PgPool; pool?: Mysql2Pool };
  switch (dataSource.options.type) {
    case 'postgres':
      return () => {
        const pool = driver.master;
        if (!pool) return undefined;
        return { idle: pool.idleCount, busy: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
      };
    case 'mysql':
    case 'mariadb':
      return () => {
        const pool = driver.pool;
        if (!pool?._allConnections || !pool._freeConnections) return undefined;
        const idle = pool._freeConnections.length;
        return { idle, busy: pool._allConnections.length - idle, waiting: pool._connectionQueue?.length ?? 0 };
      };
    default:
      return undefined;
  }
}

/**
 * `grantry_db_pool_connections{state="idle|busy|waiting"}`: the database pool read at scrape time
 * (nothing is counted per query). `waiting` is requests queued for a connection: above 0 for long,
 * the pool (`[database] pool_size`) or the database is the bottleneck.
 */
@Injectable()
export class DatabasePoolMetrics implements OnModuleInit {
  constructor(private readonly metrics: MetricsService, private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    const read = this.metrics.enabled ? poolReader(this.dataSource) : undefined;
    if (!read) return;
    new Gauge({
      name: 'grantry_db_pool_connections',
      help: 'Database pool at scrape time: idle and busy connections, and requests waiting for one (PostgreSQL, MySQL/MariaDB)',
      labelNames: ['state'] as const,
      registers: [this.metrics.registry],
      collect() {
        const state = read();
        if (!state) return;
        this.set({ state: 'idle' }, state.idle);
        this.set({ state: 'busy' }, state.busy);
        this.set({ state: 'waiting' }, state.waiting);
      },
    });
  }
}
