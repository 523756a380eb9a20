import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import {
  DatabaseSettings, GrantryConfig, HousekeepingSettings, IdTokenSettings, KeysSettings, LoginSettings, MetricsSettings, PkceSettings, LoggingSettings, OutboundSettings, SecuritySettings, ServerSettings,
  TokenSettings, UsersSettings,
} from './config.schema';

/**
 * Makes the validated deployment file injectable. A class injects only its typed slice
 * (`constructor(private readonly tokens: TokenSettings)`); the whole document is also
 * available through @nestjs/config's `ConfigService` (`config.get('oauth.token.access_token_ttl')`).
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
      { provide: TokenSettings, useValue: config.oauth.token },
      { provide: OutboundSettings, useValue: config.oauth.outbound },
      { provide: LoggingSettings, useValue: config.logging },
      { provide: UsersSettings, useValue: config.users },
      { provide: HousekeepingSettings, useValue: config.housekeeping },
      { provide: LoginSettings, useValue: config.login },
      { provide: MetricsSettings, useValue: config.metrics },
      { provide: PkceSettings, useValue: config.oauth.pkce },
      { provide: IdTokenSettings, useValue: config.oauth.oidc.id_token },
    ];
    return {
      module: GrantryConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, cache: true, load: [() => ({ ...config })] })],
      providers: slices,
      exports: [...slices, ConfigModule],
    };
  }
}
