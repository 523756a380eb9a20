import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { KeysModule } from '../keys/keys.module';
import { TenantEntity } from './tenant.entity';
import { TenantsService } from './tenants.service';

/** Administration of tenants (admin API, CLI); the directory the request context reads is TenantDirectoryModule. */
@Module({
  imports: [TypeOrmModule.forFeature([TenantEntity]), KeysModule, AuditModule],
  providers: [TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
