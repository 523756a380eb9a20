import { DynamicModule, Module } from '@nestjs/common';
import type { RunMode } from '../app.module';
import { HousekeepingService, PERIODIC_SWEEPS } from './housekeeping.service';

/**
 * `[housekeeping]`: the periodic sweep of expired rows. A server sweeps on a timer; a CLI
 * command never does (it runs briefly, maybe beside servers), though it may call `sweepNow`.
 */
@Module({})
export class HousekeepingModule {
  static forRoot(mode: RunMode): DynamicModule {
    return {
      module: HousekeepingModule,
      providers: [{ provide: PERIODIC_SWEEPS, useValue: mode === 'server' }, HousekeepingService],
      exports: [HousekeepingService],
    };
  }
}
