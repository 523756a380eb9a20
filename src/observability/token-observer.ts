import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isDatabaseUnavailable } from '../common/database-outage';
import { OAuthError } from '../common/oauth-error';
import { AuthenticatorRegistry } from '../oauth/client-auth/authenticator.registry';
import { ClientAssertionVerifier } from '../oauth/client-auth/client-assertion.verifier';
import { GrantRegistry } from '../oauth/grants/grant.registry';
import type { ClientRequest } from '../oauth/token/token-request';
import { AuditLog } from './audit-log';
import { MetricsService, OTHER, TokenOutcome } from './metrics.service';
import type { RequestFacts } from './request-facts';

const BUILT_IN_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];

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

/**
 * What the token endpoint reports about each request: the metrics (labels reduced to closed
 * sets — the enabled grant types and authentication methods — so junk adds no series), the
 * audit event, and the client and grant type for the request's log line.
 */
@Injectable()
export class TokenObserver {
  private known?: { grantTypes: ReadonlySet<string>; authMethods: ReadonlySet<string> };

  constructor(
    private readonly metrics: MetricsService,
    private readonly audit: AuditLog,
    private readonly moduleRef: ModuleRef,
  ) {}

  issued(tokens: IssuedTokens, facts: RequestFacts): void {
    const grantType = this.grantTypeLabel(tokens.grantType);
    facts.client_id = tokens.clientId;
    facts.grant_type = grantType;
    this.metrics.tokenRequest(grantType, this.authMethodLabel(tokens.authMethod), 'issued');
    if (!this.audit.enabled) return;
    this.audit.tokenIssued({
      client_id: tokens.clientId,
      grant_type: tokens.grantType,
      sub: tokens.subject,
      scope: tokens.scopes.join(' '),
      aud: tokens.audience,
      jti: tokens.jti,
      gid: tokens.grantId,
    });
  }

  /** `clientId` only when the client authenticated; otherwise the method is read from the request's shape. */
  refused(request: ClientRequest, authenticated: { clientId: string; authMethod: string } | undefined, error: unknown, facts: RequestFacts): void {
    const grantType = this.grantTypeLabel(request.grantType);
    const oauth = error instanceof OAuthError ? error : undefined;
    const outcome: TokenOutcome = oauth && oauth.status < 500 ? 'refused' : 'error';
    const reason = oauth ? oauth.reason : isDatabaseUnavailable(error) ? 'database_unavailable' : 'server_error';
    facts.client_id = authenticated?.clientId;
    facts.grant_type = grantType;
    this.metrics.tokenRequest(grantType, this.authMethodLabel(authenticated?.authMethod ?? claimedAuthMethod(request)), outcome);
    this.metrics.tokenFailure(reason);
    // The code the client was answered (the exception filter turns a database outage into 503 temporarily_unavailable).
    const code = oauth?.code ?? (isDatabaseUnavailable(error) ? 'temporarily_unavailable' : 'server_error');
    this.audit.tokenRefused({ client_id: authenticated?.clientId, grant_type: grantType, error: code, reason });
  }

  private grantTypeLabel(grantType: string | undefined): string {
    return grantType !== undefined && this.labels().grantTypes.has(grantType) ? grantType : OTHER;
  }

  private authMethodLabel(method: string): string {
    return this.labels().authMethods.has(method) ? method : OTHER;
  }

  /** Read once, at the first request: the registries are complete after bootstrap. */
  private labels(): { grantTypes: ReadonlySet<string>; authMethods: ReadonlySet<string> } {
    this.known ??= {
      grantTypes: new Set(this.moduleRef.get(GrantRegistry, { strict: false }).grantTypes),
      authMethods: new Set([...BUILT_IN_AUTH_METHODS, ...this.moduleRef.get(AuthenticatorRegistry, { strict: false }).methods]),
    };
    return this.known;
  }
}

/** The method a request's credentials claim, before (or without) authentication succeeding. */
function claimedAuthMethod(request: ClientRequest): string {
  if (/^basic /i.test(request.authorization ?? '')) return 'client_secret_basic';
  if (request.param('client_assertion') !== undefined) return ClientAssertionVerifier.isHmacAssertion(request) ? 'client_secret_jwt' : 'private_key_jwt';
  if (request.param('client_secret') !== undefined) return 'client_secret_post';
  if (request.param('client_id') !== undefined) return 'none';
  return OTHER;
}
