import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantDirectory } from '../common/tenant-directory';
import { CachedTenantDirectory } from './tenant-directory.provider';
import { TenantEntity } from './tenant.entity';

/**
 * The tenant directory for every module, `IssuerContext` first (it is global too): a module of
 * its own that needs only the `tenants` table, so the request context depends on nothing else of
 * the tenants module (keys, the audit trail), in the server and in the CLI alike.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity])],
  providers: [CachedTenantDirectory, { provide: TenantDirectory, useExisting: CachedTenantDirectory }],
  exports: [CachedTenantDirectory, TenantDirectory],
})
export class TenantDirectoryModule {}
