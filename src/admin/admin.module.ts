import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClientsModule } from '../clients/clients.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { KeysModule } from '../keys/keys.module';
import { OAuthModule } from '../oauth/oauth.module';
import { RegistrationModule } from '../oauth/registration/registration.module';
import { TenantsModule } from '../tenants/tenants.module';
import { UsersModule } from '../users/users.module';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { AuditEventsAdminController } from './audit-events.admin.controller';
import { JsonDepthGuard } from './json-depth.guard';
import { SuperAdminGuard } from './super-admin.guard';
import { TenantsAdminController } from './tenants.admin.controller';
import { CertificatesAdminController } from './certificates.admin.controller';
import { ClientsAdminController } from './clients.admin.controller';
import { IdentityProvidersAdminController } from './identity-providers.admin.controller';
import { InitialAccessTokensAdminController } from './initial-access-tokens.admin.controller';
import { KeysAdminController } from './keys.admin.controller';
import { OpenApiController } from './openapi.controller';
import { IdentityProviderRemoval } from './identity-provider-removal';
import { UserLifecycle } from './user-lifecycle';
import { UsersAdminController } from './users.admin.controller';

@Module({
  imports: [AuditModule, ClientsModule, KeysModule, OAuthModule, IdentityProvidersModule, UsersModule, RegistrationModule, TenantsModule],
  controllers: [ClientsAdminController, IdentityProvidersAdminController, CertificatesAdminController, KeysAdminController, UsersAdminController, InitialAccessTokensAdminController, AuditEventsAdminController, TenantsAdminController, OpenApiController],
  providers: [AdminTokenGuard, SuperAdminGuard, JsonDepthGuard, AdminAudit, UserLifecycle, IdentityProviderRemoval],
})
export class AdminModule {}
