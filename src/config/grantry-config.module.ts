import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import {
  AuditSettings, DatabaseSettings, DpopSettings, GrantryConfig, HousekeepingSettings, KeysSettings, LoginSettings, MetricsSettings, LoggingSettings, OutboundSettings, SecuritySettings, ServerSettings, UsersSettings,
} from './config.schema';

/**
 * Makes the validated deployment file injectable. A class injects only its typed slice
 * (`constructor(private readonly keys: KeysSettings)`); the whole document is also
 * available through @nestjs/config's `ConfigService` (`config.get('keys.refresh_interval')`).
 * The slices an issuer may resolve differently (`[oauth.token]`, `[oauth.pkce]`,
 * `[oauth.oidc.id_token]`, `[oauth.registration]`) are not among them: they are read through
 * the request context (`IssuerContext.settings`), at use time.
 */
@Global()
@Module({})
export class GrantryConfigModule {
  static forRoot(config: GrantryConfig): DynamicModule {
    const slices: Provider[] = [
      { provide: GrantryConfig, useValue: config },
      { provide: ServerSettings, useValue: config.server },
      { provide: DatabaseSettings, useValue: config.database },
      { provide: SecuritySettings, useValue: config.security },
      { provide: KeysSettings, useValue: config.keys },
      { provide: OutboundSettings, useValue: config.oauth.outbound },
      { provide: DpopSettings, useValue: config.oauth.dpop },
      { provide: LoggingSettings, useValue: config.logging },
      { provide: UsersSettings, useValue: config.users },
      { provide: HousekeepingSettings, useValue: config.housekeeping },
      { provide: AuditSettings, useValue: config.audit },
      { provide: LoginSettings, useValue: config.login },
      { provide: MetricsSettings, useValue: config.metrics },
    ];
    return {
      module: GrantryConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, cache: true, load: [() => ({ ...config })] })],
      providers: slices,
      exports: [...slices, ConfigModule],
    };
  }
}
