import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { AuditLog } from './audit-log';
import { DatabasePoolMetrics } from './database-pool-metrics';
import { flushLogSync, GRANTRY_LOG, GrantryLog } from './log';
import { MetricsListener } from './metrics-listener';
import { MetricsService } from './metrics.service';
import { RequestObserver } from './request-observer';
import { ServedExtensions } from './served-extensions';
import { StartupSummary } from './startup-summary';
import { TokenObserver } from './token-observer';
import pino from 'pino';

/** Writes out the buffered log lines as the application shuts down (a SIGTERM stop emits no exit event). */
@Injectable()
class LogFlushOnShutdown implements OnApplicationShutdown {
  constructor(@Inject(GRANTRY_LOG) private readonly log: GrantryLog) {}

  onApplicationShutdown(): void {
    flushLogSync(this.log);
  }
}

/**
 * Logs, the audit trail and metrics, for every module. `log` is the process's pino logger
 * (`createLog`); without one (the CLI, which logs through Nest on stderr) nothing is written here.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(log?: GrantryLog): DynamicModule {
    const providers = [
      { provide: GRANTRY_LOG, useValue: log ?? pino({ level: 'silent' }) },
      MetricsService,
      DatabasePoolMetrics,
      AuditLog,
      TokenObserver,
      RequestObserver,
      ServedExtensions,
      MetricsListener,
      StartupSummary,
    ];
    return { module: ObservabilityModule, providers: [...providers, LogFlushOnShutdown], exports: providers };
  }
}
