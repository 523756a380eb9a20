import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module';
import { ClientsModule } from '../../clients/clients.module';
import { KeysModule } from '../../keys/keys.module';
import { OutboundModule } from '../../outbound/outbound.module';
import { SecurityModule } from '../../security/security.module';
import { OAuthModule } from '../oauth.module';
import { DynamicRegistration } from './dynamic-registration.service';
import { InitialAccessTokenEntity } from './initial-access-token.entity';
import { InitialAccessTokens } from './initial-access-tokens';
import { RegistrationBodyHook } from './registration-body.hook';
import { RegistrationController } from './registration.controller';
import { SoftwareStatements } from './software-statements';

/** RFC 7591/7592 dynamic client registration, and the initial access tokens the admin API and CLI issue for it. */
@Module({
  imports: [TypeOrmModule.forFeature([InitialAccessTokenEntity]), AuditModule, ClientsModule, OAuthModule, KeysModule, OutboundModule, SecurityModule],
  controllers: [RegistrationController],
  providers: [
    DynamicRegistration,
    InitialAccessTokens,
    SoftwareStatements,
    RegistrationBodyHook,
  ],
  exports: [InitialAccessTokens],
})
export class RegistrationModule {}
