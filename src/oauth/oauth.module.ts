import { Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { resolve } from 'node:path';
import { AuthorizationCodeEntity } from './authorization/code/authorization-code.entity';
import { AuthorizationCodes } from './authorization/code/authorization-codes';
import { ConsentEntity } from './authorization/consent/consent.entity';
import { Consents } from './authorization/consent/consents';
import { AuthorizationFlow } from './authorization/flow/authorization-flow';
import { AuthorizationIssuer } from './authorization/flow/authorization-issuer';
import { InteractionFlow } from './authorization/flow/interaction-flow';
import { AuthorizeController } from './authorization/http/authorize.controller';
import { BrowserCookies } from './authorization/http/browser-cookies';
import { InteractionController } from './authorization/http/interaction.controller';
import { InteractionEntity } from './authorization/interaction/interaction.entity';
import { Interactions } from './authorization/interaction/interactions';
import { LoginSteps } from './authorization/interaction/login-step';
import { PasswordLoginStep } from './authorization/interaction/password.login-step';
import { PageRenderer, PagesSettings } from './authorization/pages';
import { PromptPolicy } from './authorization/policy/prompt-policy';
import { AuthorizationPolicies } from './authorization/request/authorization-policies';
import { IdTokenHints } from './authorization/request/id-token-hints';
import { RequestResolver } from './authorization/request/request-resolver';
import { RequestObjects } from './authorization/request/request-object';
import { RequestObjectResolver } from './authorization/request/request-object-resolver';
import { RequestUriFetch } from './authorization/request/request-uri-fetch';
import { PushedRequestEntity } from './authorization/request/pushed-request.entity';
import { PushedRequests } from './authorization/request/pushed-requests';
import { ParController } from './par/par.controller';
import { ParService } from './par/par.service';
import { Responder } from './authorization/response/responder';
import { JwtResponses } from './authorization/response/jwt-response';
import { LiveSessions } from './authorization/session/live-sessions';
import { SessionEntity } from './authorization/session/session.entity';
import { Sessions } from './authorization/session/sessions';
import { LogoutController } from './logout/logout.controller';
import { IdTokenClaims } from './tokens/id-token-claims';
import { IdTokenIssuer } from './tokens/id-token.issuer';
import { UserinfoController } from './userinfo/userinfo.controller';
import { UserinfoJwt } from './userinfo/userinfo-jwt';
import { GrantryConfig } from '../config/config.schema';
import { implicitEnabled } from '../config/grant-type-tables';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { KeysModule } from '../keys/keys.module';
import { JWE_PROVIDERS } from './jwe/jwe.providers';
import { OutboundModule } from '../outbound/outbound.module';
import { ServedExtensions } from '../observability/served-extensions';
import { SecurityModule } from '../security/security.module';
import { UsersModule } from '../users/users.module';
import { AssertionVerifier } from './assertions/assertion-verifier';
import { ClientKeySource } from './assertions/client-key-source';
import { IdentityProviderKeySource } from './assertions/identity-provider-key-source';
import { ReplayStore } from './assertions/replay-store';
import { DpopNonces } from './dpop/dpop-nonces';
import { DpopProofs } from './dpop/dpop-proofs';
import { DpopReplay } from './dpop/dpop-replay';
import { UsedJti } from './assertions/used-jti.entity';
import { AuthenticatorRegistry } from './client-auth/authenticator.registry';
import { ClientAssertionVerifier } from './client-auth/client-assertion.verifier';
import { ClientAuthChain } from './client-auth/client-auth.chain';
import { ClientSecretBasicAuthenticator } from './client-auth/client-secret-basic.authenticator';
import { ClientSecretJwtAuthenticator } from './client-auth/client-secret-jwt.authenticator';
import { ClientSecretPostAuthenticator } from './client-auth/client-secret-post.authenticator';
import { ClientSecretVerifier } from './client-auth/client-secret.verifier';
import { NoneAuthenticator } from './client-auth/none.authenticator';
import { SelfSignedTlsClientAuthAuthenticator } from './client-auth/self-signed-tls-client-auth.authenticator';
import { TlsClientAuthAuthenticator } from './client-auth/tls-client-auth.authenticator';
import { PrivateKeyJwtAuthenticator } from './client-auth/private-key-jwt.authenticator';
import { DiscoveryController } from './discovery/discovery.controller';
import { IntrospectionRoute } from './introspection/introspection.route';
import { IntrospectionService } from './introspection/introspection.service';
import { IntrospectionJwt } from './introspection/introspection-jwt';
import { RevocationController } from './revocation/revocation.controller';
import { RevocationService } from './revocation/revocation.service';
import { Extensions } from './extensions';
import { GrantRecordsModule } from './grant-records/grant-records.module';
import { BUILT_IN_GRANTS } from './grants/built-in-grants';
import { GrantRegistry } from './grants/grant.registry';
import { TenantOverridesCheck } from './tenant-overrides.check';
import { ClientRegistrationService } from './registration/client-registration.service';
import { RegistrationGrantTypes } from './registration/registration-grant-types';
import { servedReport } from './served-extensions.report';
import { TokenIssuance } from './issuance/token-issuance';
import { TokenPolicy } from './issuance/token-policy';
import { TokenService } from './token/token.service';
import { TokenRoute } from './token/token.route';
import { SecurityProfiles } from './core/security-profiles';
import { AccessTokenIssuer } from './tokens/access-token.issuer';
import { AccessTokenLookup } from './tokens/access-token.lookup';
import { OpaqueAccessToken } from './tokens/opaque-token.entity';
import { RefreshTokenEntity } from './tokens/refresh-token.entity';
import { RefreshTokenStore } from './tokens/refresh-token.store';
import { RevokedAccessToken } from './tokens/revoked-access-token.entity';

/** Built-in grants and authenticators: each is a plain provider the registries discover. */
const BUILT_IN_AUTHENTICATORS = [
  ClientSecretBasicAuthenticator,
  ClientSecretPostAuthenticator,
  ClientSecretJwtAuthenticator,
  PrivateKeyJwtAuthenticator,
  TlsClientAuthAuthenticator,
  SelfSignedTlsClientAuthAuthenticator,
  NoneAuthenticator,
];
/** Each built-in grant's handler, and its settings class bound to its `[oauth.grant_type.<id>]` table. */
const GRANT_PROVIDERS: Provider[] = BUILT_IN_GRANTS.flatMap(({ definition, handler }) => [
  handler,
  {
    provide: definition.settings,
    inject: [GrantryConfig],
    useFactory: (config: GrantryConfig) => config.oauth.grant_type[definition.id] ?? new definition.settings(),
  },
]);

/** The authorization endpoint and what the browser sees: interactions, sessions, consent, pages, logout. */
const BROWSER_PROVIDERS: Provider[] = [
  AuthorizationPolicies,
  RequestResolver,
  RequestObjects,
  RequestObjectResolver,
  RequestUriFetch,
  PushedRequests,
  ParService,
  PromptPolicy,
  AuthorizationFlow,
  AuthorizationIssuer,
  InteractionFlow,
  Responder,
  JwtResponses,
  BrowserCookies,
  AuthorizationCodes,
  Sessions,
  LiveSessions,
  Interactions,
  Consents,
  LoginSteps,
  PasswordLoginStep,
  PageRenderer,
  IdTokenIssuer,
  IdTokenClaims,
  IdTokenHints,
  {
    provide: PagesSettings,
    inject: [GrantryConfig],
    // Relative to the deployment file, as plugin paths are.
    useFactory: (config: GrantryConfig) => Object.assign(new PagesSettings(), { templates_dir: config.login.templates_dir && resolve(config.configDir ?? '.', config.login.templates_dir) }),
  },
];
const BROWSER_ENTITIES = [AuthorizationCodeEntity, SessionEntity, InteractionEntity, ConsentEntity, PushedRequestEntity];

@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([OpaqueAccessToken, UsedJti, RefreshTokenEntity, RevokedAccessToken, ...BROWSER_ENTITIES]), GrantRecordsModule, ClientsModule, KeysModule, SecurityModule, OutboundModule, IdentityProvidersModule, UsersModule, AuditModule],
  controllers: [RevocationController, ParController, DiscoveryController, AuthorizeController, InteractionController, UserinfoController, LogoutController],
  providers: [
    ...BUILT_IN_AUTHENTICATORS,
    ...JWE_PROVIDERS,
    UserinfoJwt,
    ...GRANT_PROVIDERS,
    Extensions,
    AuthenticatorRegistry,
    GrantRegistry,
    TenantOverridesCheck,
    ClientAuthChain,
    ClientSecretVerifier,
    ClientAssertionVerifier,
    AssertionVerifier,
    ClientKeySource,
    IdentityProviderKeySource,
    ReplayStore,
    DpopNonces,
    DpopReplay,
    DpopProofs,
    SecurityProfiles,
    TokenPolicy,
    TokenIssuance,
    TokenService,
    TokenRoute,
    IntrospectionRoute,
    AccessTokenIssuer,
    AccessTokenLookup,
    RefreshTokenStore,
    ClientRegistrationService,
    RegistrationGrantTypes,
    IntrospectionService,
    IntrospectionJwt,
    RevocationService,
    ...BROWSER_PROVIDERS,
  ],
  exports: [TenantOverridesCheck, SecurityProfiles, AccessTokenLookup, DpopProofs, ClientRegistrationService, RegistrationGrantTypes, GrantRegistry, AuthenticatorRegistry, GrantRecordsModule, Extensions, Consents, Sessions],
})
export class OAuthModule implements OnApplicationBootstrap {
  constructor(
    private readonly grants: GrantRegistry,
    private readonly authenticators: AuthenticatorRegistry,
    private readonly extensions: Extensions,
    private readonly served: ServedExtensions,
    private readonly config: GrantryConfig,
  ) {}

  /** Nest runs a module's own hook after its providers' ones: the registries are complete here. */
  onApplicationBootstrap(): void {
    this.served.report(servedReport(this.grants, this.authenticators, this.extensions, implicitEnabled(this.config)));
  }
}
