import { DynamicModule, Injectable, Module, OnApplicationBootstrap, Type } from '@nestjs/common';
import { IssuerContextModule } from '../common/issuer-context.module';
import { GrantryConfig } from '../config/config.schema';
import { GrantryConfigModule } from '../config/grantry-config.module';
import { DataSource } from 'typeorm';
import { AtomicWriter } from '../database/atomic-writer';
import { DatabaseModule } from '../database/database.module';
import { SecurityModule } from '../security/security.module';
import { SecurityService } from '../security/security.service';
import { TenantDirectoryModule } from '../tenants/tenant-directory.module';

/** The one start-up check the full application runs in 'cli' mode (AppModule's StartupChecks): a wrong master key stops the command. */
@Injectable()
class MasterKeyCheck implements OnApplicationBootstrap {
  constructor(private readonly security: SecurityService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.security.ensureMasterKeyMatchesDatabase();
  }
}

/**
 * What holds the database open once the providers exist. A read-only command's context is made by
 * createApplicationContext, which initialises inside the factory: when an init hook fails (a
 * pending migration, a wrong master key) it hands back no context to close, so these are closed
 * here, as the application's shutdown hooks would (the SQLite writer thread, then the pool).
 */
export class OpenedDatabase {
  dataSource?: DataSource;
  writer?: AtomicWriter;

  async close(): Promise<void> {
    await this.writer?.onApplicationShutdown();
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * What a read-only command (`clients list`, `audit list`, ...) boots instead of the whole
 * application (issue 30): the configuration, the database with its migrations, the tenant
 * directory and the master-key check, which every command has, plus the feature modules holding
 * the services the command reads. No HTTP server or routes (an application context), grants, plugins, housekeeping or metrics (the
 * CLI logs nothing through observability/): reading a record needs none of them, and loading
 * their code was most of such a command's time.
 */
@Module({})
export class ReadOnlyModule {
  static forFeatures(config: GrantryConfig, features: Type[], opened: OpenedDatabase): DynamicModule {
    const recordOpened = (dataSource: DataSource, writer: AtomicWriter) => Object.assign(opened, { dataSource, writer });
    return {
      module: ReadOnlyModule,
      imports: [GrantryConfigModule.forRoot(config), IssuerContextModule, DatabaseModule, TenantDirectoryModule, SecurityModule, ...features],
      providers: [MasterKeyCheck, { provide: OpenedDatabase, useFactory: recordOpened, inject: [DataSource, AtomicWriter] }],
    };
  }
}

/**
 * The feature modules each read-only command reads through, required only when it runs.
 * A command absent here (`initial-access-tokens list`: its service lives in the registration
 * module, which needs the OAuth core) boots the whole application.
 */
export const READ_FEATURES: Record<string, () => Type[]> = {
  clients: () => [require('../clients/clients.module').ClientsModule],
  idps: () => [require('../identity-providers/identity-providers.module').IdentityProvidersModule, require('../audit/audit.module').AuditModule],
  users: () => [require('../users/users.module').UsersModule],
  keys: () => [require('../keys/keys.module').KeysModule, require('../audit/audit.module').AuditModule],
  certs: () => [require('../keys/keys.module').KeysModule, require('../audit/audit.module').AuditModule],
  audit: () => [require('../audit/audit.module').AuditModule],
  tenants: () => [require('../tenants/tenants.module').TenantsModule],
};
