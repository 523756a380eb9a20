import type { ClientCertificate } from '../../common/connection/client-certificate';
import { OAuthError } from '../../common/oauth-error';

/** RFC 8707 §2: `resource` is the one token-request parameter that may repeat. */
const REPEATABLE = new Set(['resource']);

/**
 * A parsed form request from a client — to the token endpoint, and to any endpoint where a
 * client authenticates (introspection, revocation, PAR): every parameter once, empty values
 * dropped, with the headers client authenticators read.
 */
export class ClientRequest {
  private constructor(
    readonly params: Readonly<Record<string, string>>,
    /** RFC 8707 resource indicators, in request order. */
    readonly resources: readonly string[],
    /** The raw Authorization header, if any. */
    readonly authorization: string | undefined,
    /** All request headers, lower-case names (for authenticators such as a trusted-proxy mTLS one). */
    readonly headers: Readonly<Record<string, string | string[] | undefined>> = {},
    /** RFC 8705: the TLS client certificate (own listener, or a trusted proxy's header), if one came. */
    readonly clientCertificate?: ClientCertificate,
    /** The request's URL as sent (path and query, before the tenant path is routed): a DPoP proof's `htu` names its path (RFC 9449 §4.3). */
    readonly url?: string,
  ) {}

  /**
   * RFC 6749 §3.2: parameters MUST NOT be included more than once, and a parameter sent
   * without a value is treated as omitted (§3.1).
   */
  static parse(body: unknown, authorization: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>> = {}, clientCertificate?: ClientCertificate, url?: string): ClientRequest {
    if (!body || typeof body !== 'object') throw OAuthError.invalidRequest('the request has no parameters');
    const params: Record<string, string> = {};
    const resources: string[] = [];
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (typeof value === 'string' && !REPEATABLE.has(name)) {
        if (value !== '') params[name] = value; // the common case: one plain value
        continue;
      }
      const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
      if (values.some((v) => typeof v !== 'string')) throw OAuthError.invalidRequest(`parameter ${name} is malformed`);
      if (REPEATABLE.has(name)) {
        resources.push(...(values as string[]));
      } else if (values.length > 1) {
        throw OAuthError.invalidRequest(`parameter ${name} is included more than once`);
      } else if (values.length === 1) {
        params[name] = values[0] as string;
      }
    }
    return new ClientRequest(params, resources, authorization, headers, clientCertificate, url);
  }

  /**
   * The same request without the Authorization header and the named credential parameters,
   * for code that must not see client credentials (grant plugins).
   */
  withoutCredentials(params: readonly string[]): ClientRequest {
    const rest = Object.fromEntries(Object.entries(this.params).filter(([name]) => !params.includes(name)));
    const { authorization: _authorization, ...headers } = this.headers;
    return new ClientRequest(Object.freeze(rest), Object.freeze([...this.resources]), undefined, Object.freeze(headers), this.clientCertificate, this.url);
  }

  /**
   * A `client_id` and no secret or assertion in any form (Basic header, `client_secret`,
   * `client_assertion`): what public clients send (RFC 6749 §2.1), and mTLS clients, whose
   * credential is their certificate (RFC 8705 §2).
   */
  get identifiesOnly(): boolean {
    return (
      this.param('client_id') !== undefined &&
      this.authorization === undefined &&
      this.param('client_secret') === undefined &&
      this.param('client_assertion') === undefined &&
      this.param('client_assertion_type') === undefined
    );
  }

  get grantType(): string | undefined {
    return this.params.grant_type;
  }

  param(name: string): string | undefined {
    return this.params[name];
  }

  /** A parameter the grant cannot do without (`invalid_request` when missing). */
  requireParam(name: string): string {
    const value = this.params[name];
    if (value === undefined) throw OAuthError.invalidRequest(`${name} is required`);
    return value;
  }

  /** The `scope` parameter as a list of distinct scope tokens (RFC 6749 §3.3). */
  get scopes(): string[] {
    const scope = this.params.scope;
    return scope ? [...new Set(scope.split(' ').filter(Boolean))] : [];
  }
}

/** The name plugins and the SDK know it by. */
export { ClientRequest as TokenRequest };
