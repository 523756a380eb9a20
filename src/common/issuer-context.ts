import { Injectable } from '@nestjs/common';
import { ServerSettings } from '../config/config.schema';

/** Every row that holds tenant data carries this until multi-tenancy arrives. */
export const DEFAULT_TENANT = 'default';

/**
 * Who is issuing: the tenant, the issuer identifier and the endpoint URLs derived from it.
 * One instance today (the default tenant); the seam where per-tenant issuers will plug in.
 *
 * The issuer is `[server] base_url`; with `port = 0` and no `base_url` it is the address the
 * server actually listens on, known only after `listen` (tests and ephemeral deployments).
 */
@Injectable()
export class IssuerContext {
  readonly tenant = DEFAULT_TENANT;
  private base?: string;

  constructor(server: ServerSettings) {
    this.base = server.base_url;
  }

  /** Called once the server listens, for a deployment whose issuer follows the listening address. */
  bindListeningAddress(url: string): void {
    this.base ??= url.replace(/\/+$/, '');
  }

  /** RFC 8414 §2 `issuer`: https (or http for development) URL without query, fragment or trailing slash. */
  get issuer(): string {
    if (this.base === undefined) throw new Error('the issuer is not known before the server listens ([server] base_url unset and port 0)');
    return this.base;
  }

  get tokenEndpoint(): string {
    return `${this.issuer}/oauth2/token`;
  }

  get introspectionEndpoint(): string {
    return `${this.issuer}/oauth2/introspect`;
  }

  get revocationEndpoint(): string {
    return `${this.issuer}/oauth2/revoke`;
  }

  get jwksUri(): string {
    return `${this.issuer}/oauth2/jwks`;
  }

  /** The one audience of tokens that carry the reserved `admin` scope. */
  get adminAudience(): string {
    return `${this.issuer}/api/admin`;
  }

  /** Cache key of a tenant's record, so tenants never share a cache entry. */
  key(id: string): string {
    return `${this.tenant}\u0000${id}`;
  }
}
