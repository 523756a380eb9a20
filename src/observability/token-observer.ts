import { Injectable } from '@nestjs/common';
import { isDatabaseUnavailable } from '../common/database-outage';
import { OAuthError } from '../common/oauth-error';
import { IssuerContext } from '../common/issuer-context';
import { AuditLog } from './audit-log';
import { TenantLabels } from './tenant-labels';
import { MetricsService, OTHER, TokenOutcome } from './metrics.service';
import type { RequestFacts } from './request-facts';
import { ServedExtensions } from './served-extensions';

/** Labels of their own even while switched off: a request may still claim them. */
const BUILT_IN_AUTH_METHODS: ReadonlySet<string> = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none']);

export interface IssuedTokens {
  clientId: string;
  authMethod: string;
  grantType: string;
  subject: string;
  scopes: readonly string[];
  audience: readonly string[];
  jti?: string;
  grantId?: string;
}

/** A refused token request as far as it got: `clientId` only when the client authenticated. */
export interface RefusedTokenRequest {
  grantType: string | undefined;
  clientId?: string;
  /** The authenticated client's method, else the one the request's credentials claim (undefined: none). */
  authMethod: string | undefined;
}

/**
 * What the token endpoint reports about each request: the metrics (labels reduced to closed
 * sets — the tenant (TenantLabels), the enabled grant types and authentication methods — so junk
 * adds no series), the
 * audit event, and the client and grant type for the request's log line.
 */
@Injectable()
export class TokenObserver {
  /** The `tenant` label: the default tenant, the first TENANT_LABEL_CAP others, then `other`. */
  private readonly tenants: TenantLabels;

  constructor(
    private readonly metrics: MetricsService,
    private readonly audit: AuditLog,
    private readonly served: ServedExtensions,
    private readonly issuers: IssuerContext,
  ) {
    this.tenants = new TenantLabels(issuers.default.tenant);
  }

  issued(tokens: IssuedTokens, facts: RequestFacts): void {
    const grantType = this.grantTypeLabel(tokens.grantType);
    const tenant = this.issuers.tenant;
    facts.client_id = tokens.clientId;
    facts.grant_type = grantType;
    this.metrics.tokenRequest(this.tenants.label(tenant), grantType, this.authMethodLabel(tokens.authMethod), 'issued');
    if (!this.audit.enabled) return;
    this.audit.tokenIssued({
      tenant,
      client_id: tokens.clientId,
      grant_type: tokens.grantType,
      sub: tokens.subject,
      scope: tokens.scopes.join(' '),
      aud: tokens.audience,
      jti: tokens.jti,
      gid: tokens.grantId,
    });
  }

  refused(request: RefusedTokenRequest, error: unknown, facts: RequestFacts): void {
    const grantType = this.grantTypeLabel(request.grantType);
    const oauth = error instanceof OAuthError ? error : undefined;
    const outcome: TokenOutcome = oauth && oauth.status < 500 ? 'refused' : 'error';
    const reason = oauth ? oauth.reason : isDatabaseUnavailable(error) ? 'database_unavailable' : 'server_error';
    const tenant = this.issuers.tenant;
    const tenantLabel = this.tenants.label(tenant);
    facts.client_id = request.clientId;
    facts.grant_type = grantType;
    this.metrics.tokenRequest(tenantLabel, grantType, this.authMethodLabel(request.authMethod), outcome);
    this.metrics.tokenFailure(tenantLabel, reason);
    // The code the client was answered (the exception filter turns a database outage into 503 temporarily_unavailable).
    const code = oauth?.code ?? (isDatabaseUnavailable(error) ? 'temporarily_unavailable' : 'server_error');
    this.audit.tokenRefused({ tenant, client_id: request.clientId, grant_type: grantType, error: code, reason });
  }

  private grantTypeLabel(grantType: string | undefined): string {
    return grantType !== undefined && this.served.servesGrantType(grantType) ? grantType : OTHER;
  }

  private authMethodLabel(method: string | undefined): string {
    return method !== undefined && (BUILT_IN_AUTH_METHODS.has(method) || this.served.servesAuthMethod(method)) ? method : OTHER;
  }
}
