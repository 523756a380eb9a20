/**
 * grantry/resource-server — protect a Nest API (Fastify or Express) with grantry access tokens.
 *
 * ```ts
 * @Module({ imports: [ResourceServerModule.forRoot({ authority: 'https://id.example.com', audience: 'api://orders' })] })
 * export class AppModule {}
 *
 * @Controller('orders')
 * @UseGuards(AccessTokenGuard)
 * export class OrdersController {
 *   @Get()
 *   @RequiredScopes('orders:read')
 *   list(@AccessTokenPrincipal() principal: AccessTokenPrincipal) { ... }
 * }
 * ```
 *
 * A revoked JWT access token is accepted until its `exp` unless introspection is configured
 * (`introspection: { clientId, clientSecret }`, which checks every token by default).
 */
export { ResourceServerModule, type ResourceServerAsyncOptions } from './resource-server.module';
export type { AuthorityOptions, CertificateOptions, IntrospectionOptions, ResourceServerOptions } from './resource-server.options';
export { AccessTokenGuard } from './access-token.guard';
export { AccessTokenVerifier } from './access-token.verifier';
export { BearerTokenError } from './bearer-token.error';
export { AccessTokenPrincipal, principalOf, RequiredScopes, SkipAccessToken } from './decorators';
