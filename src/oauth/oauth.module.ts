import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { KeysModule } from '../keys/keys.module';
import { SecurityModule } from '../security/security.module';
import { AuthenticatorRegistry } from './client-auth/authenticator.registry';
import { ClientAuthChain } from './client-auth/client-auth.chain';
import { ClientSecretBasicAuthenticator } from './client-auth/client-secret-basic.authenticator';
import { ClientSecretPostAuthenticator } from './client-auth/client-secret-post.authenticator';
import { ClientSecretVerifier } from './client-auth/client-secret.verifier';
import { NoneAuthenticator } from './client-auth/none.authenticator';
import { DiscoveryController } from './discovery/discovery.controller';
import { ClientCredentialsGrant } from './grants/client-credentials/client-credentials.grant';
import { GrantRegistry } from './grants/grant.registry';
import { ClientRegistrationService } from './registration/client-registration.service';
import { TokenController } from './token/token.controller';
import { TokenService } from './token/token.service';
import { AccessTokenIssuer } from './tokens/access-token.issuer';
import { AccessTokenLookup } from './tokens/access-token.lookup';
import { OpaqueAccessToken } from './tokens/opaque-token.entity';

/** Built-in grants and authenticators: each is a plain provider the registries discover. */
const BUILT_IN_AUTHENTICATORS = [ClientSecretBasicAuthenticator, ClientSecretPostAuthenticator, NoneAuthenticator];
const BUILT_IN_GRANTS = [ClientCredentialsGrant];

@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([OpaqueAccessToken]), ClientsModule, KeysModule, SecurityModule],
  controllers: [TokenController, DiscoveryController],
  providers: [
    ...BUILT_IN_AUTHENTICATORS,
    ...BUILT_IN_GRANTS,
    AuthenticatorRegistry,
    GrantRegistry,
    ClientAuthChain,
    ClientSecretVerifier,
    TokenService,
    AccessTokenIssuer,
    AccessTokenLookup,
    ClientRegistrationService,
  ],
  exports: [AccessTokenLookup, ClientRegistrationService, GrantRegistry, AuthenticatorRegistry],
})
export class OAuthModule {}
