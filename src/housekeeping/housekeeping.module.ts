import { DynamicModule, Module } from '@nestjs/common';
import { HousekeepingService, PERIODIC_SWEEPS } from './housekeeping.service';

/**
 * `[housekeeping]`: the periodic sweep of expired rows. A server sweeps on a timer; a CLI
 * command never does (it runs briefly, maybe beside servers), though it may call `sweepNow`.
 */
@Module({})
export class HousekeepingModule {
  static forRoot({ periodicSweeps }: { periodicSweeps: boolean }): DynamicModule {
    return {
      module: HousekeepingModule,
      providers: [{ provide: PERIODIC_SWEEPS, useValue: periodicSweeps }, HousekeepingService],
      exports: [HousekeepingService],
    };
  }
}
