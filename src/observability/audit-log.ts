import { Inject, Injectable, Optional } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { DEFAULT_TENANT } from '../common/request-context';
import { LoggingSettings } from '../config/config.schema';
import { JsonLineWriter, stringField, stringsField } from './json-line';
import { GRANTRY_LOG, GrantryLog } from './log';

/** Why a grant (and every token of it) was revoked. */
export type RevocationCause = 'refresh_token_reuse' | 'authorization_code_reuse' | 'revocation' | 'user_change' | 'client_deleted' | 'logout';

export interface TokenIssuedEvent {
  /** The tenant that issued (its domain; the default tenant's too). */
  tenant: string;
  client_id: string;
  grant_type: string;
  sub: string;
  scope: string;
  aud: readonly string[];
  /** The access token's `jti` (JWT) — never the token. */
  jti?: string;
  /** The grant record the tokens belong to. */
  gid?: string;
}

export interface TokenRefusedEvent {
  tenant: string;
  /** Set only once the client authenticated: a claimed id is attacker-supplied. */
  client_id?: string;
  grant_type: string;
  error: string;
  reason: string;
}

export interface AdminChangeEvent {
  /** The tenant changed (the admin API's request's). */
  tenant: string;
  admin_client_id: string;
  /** The admin client's own tenant, when it is not `tenant` (a super-admin of the default tenant). */
  admin_tenant?: string;
  method: string;
  resource: string;
  id?: string;
}

/**
 * The audit trail: one structured info line per security event, `{ audit: true, event, ... }`,
 * on the process's log (so `[logging] level` above info silences it too). `[logging] audit =
 * false` turns it off. Never a secret, token or assertion: identifiers only.
 */
@Injectable()
export class AuditLog {
  private readonly log?: GrantryLog;
  /** The events of every token request, written by template (see JsonLineWriter). */
  private readonly lines?: JsonLineWriter;
  private readonly defaultTenant = DEFAULT_TENANT;
  private readonly defaultTenantField = stringField('tenant', DEFAULT_TENANT);

  constructor(
    @Optional() @Inject(GRANTRY_LOG) log?: GrantryLog,
    @Optional() settings?: LoggingSettings,
    /** Whose tenant a line of a change is (the token lines are handed theirs: the hot path reads it once). */
    @Optional() private readonly issuers?: IssuerContext,
  ) {
    this.log = log && (settings?.audit ?? true) ? log.child({ audit: true }) : undefined;
    this.lines = this.log && new JsonLineWriter(this.log);
  }

  /** Whether an event would be written: callers skip building one otherwise. */
  get enabled(): boolean {
    return !!this.log?.isLevelEnabled('info');
  }

  tokenIssued(event: TokenIssuedEvent): void {
    if (!this.enabled) return;
    this.lines!.info(
      ',"event":"token.issued"' + this.tenantField(event.tenant) + stringField('client_id', event.client_id) + stringField('grant_type', event.grant_type) +
        stringField('sub', event.sub) + stringField('scope', event.scope) + stringsField('aud', event.aud) +
        stringField('jti', event.jti) + stringField('gid', event.gid),
    );
  }

  tokenRefused(event: TokenRefusedEvent): void {
    if (!this.enabled) return;
    this.lines!.info(
      ',"event":"token.refused"' + this.tenantField(event.tenant) + stringField('client_id', event.client_id) + stringField('grant_type', event.grant_type) +
        stringField('error', event.error) + stringField('reason', event.reason),
    );
  }

  /** `,"tenant":"<domain>"`: the default tenant's written once, not escaped on every token. */
  private tenantField(tenant: string): string {
    return tenant === this.defaultTenant ? this.defaultTenantField : stringField('tenant', tenant);
  }

  /** One grant (`grantId`), or every grant of a client, subject or session. */
  grantRevoked(event: { grantId?: string; clientId?: string; subject?: string; sessionId?: string; count?: number; why: RevocationCause }): void {
    if (!this.enabled) return;
    const { grantId, clientId, subject, sessionId, count, why } = event;
    this.log!.info({ event: 'grant.revoked', tenant: this.issuers?.tenant, grant_id: grantId, client_id: clientId, sub: subject, session_id: sessionId, count, why });
  }

  adminChange(event: AdminChangeEvent): void {
    if (this.enabled) this.log!.info({ event: 'admin.change', ...event });
  }

  /** A client's own change through dynamic registration (RFC 7591 / 7592): who changed is the client itself. */
  clientRegistration(change: 'registered' | 'updated' | 'deleted', clientId: string): void {
    if (this.enabled) this.log!.info({ event: `client.${change}`, tenant: this.issuers?.tenant, client_id: clientId });
  }
}
