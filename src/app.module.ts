import { DynamicModule, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { ClientsModule } from './clients/clients.module';
import { ClientsService } from './clients/clients.service';
import { describeUnnamedSectors } from './clients/pairwise-sector';
import { IssuerContextModule } from './common/issuer-context.module';
import { GrantryConfig, ServerSettings } from './config/config.schema';
import { GrantryConfigModule } from './config/grantry-config.module';
import { DatabaseModule } from './database/database.module';
import { HealthController } from './health/health.controller';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { KeyRing } from './keys/key-ring';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { ObservabilityModule } from './observability/observability.module';
import type { GrantryLog } from './observability/log';
import { OAuthModule } from './oauth/oauth.module';
import { RegistrationModule } from './oauth/registration/registration.module';
import { RegistrationGrantTypes } from './oauth/registration/registration-grant-types';
import { PluginsModule } from './plugins/plugins.module';
import { SecurityModule } from './security/security.module';
import { SecurityService } from './security/security.service';
import { TenantDirectoryModule } from './tenants/tenant-directory.module';
import { TenantsModule } from './tenants/tenants.module';

/** `server` serves HTTP and needs a signing key; `cli` runs one operator command and leaves keys alone. */
export type RunMode = 'server' | 'cli';


class RunModeHolder {
  constructor(readonly value: RunMode) {}
}

/** Clients a start-up warning names; `config check` names every one. */
const NAMED_AT_START_UP = 20;

/** Start-up checks that need the migrated database. */
@Injectable()
class StartupChecks implements OnApplicationBootstrap {
  constructor(
    private readonly security: SecurityService,
    private readonly keys: SigningKeysService,
    private readonly keyRing: KeyRing,
    private readonly mode: RunModeHolder,
    private readonly server: ServerSettings,
    private readonly registrationGrantTypes: RegistrationGrantTypes,
    private readonly clients: ClientsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.security.ensureMasterKeyMatchesDatabase();
    if (this.mode.value === 'server') {
      warnOfInsecureIssuer(this.server.base_url);
      await this.keys.ensureSigningKey();
      await this.keyRing.start();
      await this.registrationGrantTypes.warnOfUnapproved();
      const unnamed = await this.clients.withUnnamedSectors();
      if (unnamed.length) new Logger('Clients').warn(describeUnnamedSectors(unnamed, NAMED_AT_START_UP));
    }
  }
}

/** RFC 8414 §2 wants an https issuer; plain http is for development on loopback only. */
function warnOfInsecureIssuer(baseUrl: string | undefined): void {
  if (!baseUrl) return; // follows the listening address: loopback in tests and development
  const { protocol, hostname } = new URL(baseUrl);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
  if (protocol === 'http:' && !loopback) {
    new Logger('Startup').warn(`[server] base_url = ${baseUrl}: an http:// issuer outside loopback sends tokens and credentials in clear text; use https`);
  }
}

@Module({})
export class AppModule {
  /** `log`: the server's pino logger (`createLog`); the CLI logs through Nest on stderr and passes none. */
  static forRoot(config: GrantryConfig, mode: RunMode = 'server', log?: GrantryLog): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GrantryConfigModule.forRoot(config),
        IssuerContextModule,
        ObservabilityModule.forRoot(log),
        DatabaseModule,
        TenantDirectoryModule,
        SecurityModule,
        KeysModule,
        ClientsModule,
        OAuthModule,
        RegistrationModule,
        PluginsModule,
        TenantsModule,
        AdminModule,
        HousekeepingModule.forRoot({ periodicSweeps: mode === 'server' }),
      ],
      controllers: [HealthController],
      providers: [{ provide: RunModeHolder, useValue: new RunModeHolder(mode) }, StartupChecks],
    };
  }
}
