import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { KeysModule } from '../keys/keys.module';
import { OutboundModule } from '../outbound/outbound.module';
import { PluginHost } from '../plugins/plugin-host';
import { PluginServicesFactory } from '../plugins/plugin-services';
import { SecurityModule } from '../security/security.module';
import { ReplayStore } from './assertions/replay-store';
import { UsedJti } from './assertions/used-jti.entity';
import { AuthenticatorRegistry } from './client-auth/authenticator.registry';
import { ClientAssertionVerifier } from './client-auth/client-assertion.verifier';
import { ClientAuthChain } from './client-auth/client-auth.chain';
import { ClientSecretBasicAuthenticator } from './client-auth/client-secret-basic.authenticator';
import { ClientSecretJwtAuthenticator } from './client-auth/client-secret-jwt.authenticator';
import { ClientSecretPostAuthenticator } from './client-auth/client-secret-post.authenticator';
import { ClientSecretVerifier } from './client-auth/client-secret.verifier';
import { NoneAuthenticator } from './client-auth/none.authenticator';
import { PrivateKeyJwtAuthenticator } from './client-auth/private-key-jwt.authenticator';
import { DiscoveryController } from './discovery/discovery.controller';
import { ClientCredentialsGrant } from './grants/client-credentials/client-credentials.grant';
import { GrantRegistry } from './grants/grant.registry';
import { JwtBearerGrant } from './grants/jwt-bearer/jwt-bearer.grant';
import { RefreshTokenGrant } from './grants/refresh-token/refresh-token.grant';
import { ClientRegistrationService } from './registration/client-registration.service';
import { TokenController } from './token/token.controller';
import { TokenService } from './token/token.service';
import { AccessTokenIssuer } from './tokens/access-token.issuer';
import { AccessTokenLookup } from './tokens/access-token.lookup';
import { OpaqueAccessToken } from './tokens/opaque-token.entity';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { RefreshTokenStore } from './tokens/refresh-token.store';

/** Built-in grants and authenticators: each is a plain provider the registries discover. */
const BUILT_IN_AUTHENTICATORS = [
  ClientSecretBasicAuthenticator,
  ClientSecretPostAuthenticator,
  ClientSecretJwtAuthenticator,
  PrivateKeyJwtAuthenticator,
  NoneAuthenticator,
];
const BUILT_IN_GRANTS = [ClientCredentialsGrant, JwtBearerGrant, RefreshTokenGrant];

@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([OpaqueAccessToken, UsedJti, RefreshTokenEntity]), ClientsModule, KeysModule, SecurityModule, OutboundModule, IdentityProvidersModule],
  controllers: [TokenController, DiscoveryController],
  providers: [
    ...BUILT_IN_AUTHENTICATORS,
    ...BUILT_IN_GRANTS,
    AuthenticatorRegistry,
    GrantRegistry,
    ClientAuthChain,
    ClientSecretVerifier,
    ClientAssertionVerifier,
    ReplayStore,
    TokenService,
    AccessTokenIssuer,
    AccessTokenLookup,
    RefreshTokenStore,
    ClientRegistrationService,
    PluginServicesFactory,
    PluginHost,
  ],
  exports: [AccessTokenLookup, ClientRegistrationService, GrantRegistry, AuthenticatorRegistry, ReplayStore],
})
export class OAuthModule {}
