import { connectionOf, type ClientCertificate } from '../common/connection/connection-facts';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { actors } from '../audit/audit-event';
import { ClientsService } from '../clients/clients.service';
import { ADMIN_SCOPE, RegisteredClient } from '../clients/registered-client';
import type { PresentedToken, TokenScheme } from '../common/access-token-extractor';
import { IssuerContext } from '../common/issuer-context';
import { OAuthError } from '../common/oauth-error';
import { AtomicWriter } from '../database/atomic-writer';
import { presentedAccessToken } from '../oauth/core/presented-token';
import { DpopProofs } from '../oauth/dpop/dpop-proofs';
import { AccessTokenLookup } from '../oauth/tokens/access-token.lookup';
import { AdminCaller, noteAdminCaller } from './admin-caller';

/** RFC 6750 bearer tokens, and DPoP-bound ones with a proof of the request (RFC 9449 §7). */
const SCHEMES: readonly TokenScheme[] = ['Bearer', 'DPoP'];
/** What the request proved possession of: a DPoP proof's key, the TLS client certificate. */
type Possession = { provenJkt?: string; certificate?: ClientCertificate };

/**
 * RFC 6750 bearer access tokens of this server for the admin API (or DPoP-bound ones, each
 * request with its proof, RFC 9449 §7), and only those the token
 * endpoint confines to it: the reserved `admin` scope, audience `<issuer>/api/admin`, issued
 * to a client for itself. The client is resolved again on every call (through its cache), so
 * a deleted client, or one that lost `admin`, stops at once here (at most a cache lifetime
 * later on other instances).
 *
 * Each tenant's admin API (`/t/{domain}/api/admin/...`, or `?tenantDomain=`) is checked in the
 * request's tenant: its keys and issuer verify the token, its `<issuer>/api/admin` is the one
 * audience, its clients hold `admin` — so a token of one tenant is `invalid_token` at another's.
 * The one exception is a super-admin: a client of the default tenant holding `admin` and
 * `super_admin = true`, whose token (checked in the default tenant, audience the default
 * `<base_url>/api/admin`) is accepted at every tenant's admin API and acts in that tenant.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokenLookup,
    private readonly clients: ClientsService,
    private readonly issuers: IssuerContext,
    private readonly dpop: DpopProofs,
    private readonly writer: AtomicWriter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const presented = presentedAccessToken(request, { schemes: SCHEMES }, undefined, this.dpop.algs);
    const proven = presented.scheme === 'DPoP' ? await this.dpop.proveAtResource(request.headers.dpop, request.method, request.originalUrl, presented.token) : undefined;
    noteAdminCaller(request, await this.caller(presented, { provenJkt: proven?.jkt, certificate: connectionOf(request).certificate }));
    // RFC 9449 §11.1: the proof is used up once the token and its caller passed.
    if (proven) await this.writer.commit(proven.consumption);
    return true;
  }

  private async caller(presented: PresentedToken, possession: Possession): Promise<AdminCaller> {
    const here = this.issuers.current;
    let refusal: unknown;
    try {
      const client = await this.adminClient(presented, possession);
      return { clientId: client.clientId, superAdmin: isSuperAdmin(client, this.issuers.default.tenant), tenant: here.tenant, actor: actors.client(client.clientId) };
    } catch (error) {
      // The default tenant's admin API has no other tenant's token to try.
      if (here === this.issuers.default) throw error;
      refusal = error;
    }
    // Another tenant's admin API: a super-admin's token, checked in the default tenant (its keys, its
    // issuer, its admin audience, its client), then acting in this one.
    const superAdmin = await this.issuers.run(this.issuers.default, () => this.adminClient(presented, possession).catch(() => undefined));
    if (superAdmin && isSuperAdmin(superAdmin, this.issuers.default.tenant)) {
      return { clientId: superAdmin.clientId, superAdmin: true, tenant: this.issuers.default.tenant, actor: actors.superAdmin(superAdmin.clientId) };
    }
    // Any other token, the default tenant's admins' included: refused as this tenant refuses it.
    throw refusal;
  }

  /** The admin client whose token `presented` is, in the current tenant; 401 invalid_token otherwise. */
  private async adminClient(presented: PresentedToken, possession: Possession): Promise<RegisteredClient> {
    const challenge = { schemes: SCHEMES, dpopAlgs: this.dpop.algs };
    const token = await this.tokens.findPresented(presented, possession, challenge);
    // The admin API and nothing else (DESIGN): a token also addressed to another resource server could be replayed here by it.
    const forAdminApiOnly = token.audience.length === 1 && token.audience[0] === this.issuers.adminAudience;
    if (!forAdminApiOnly || !token.scopes.includes(ADMIN_SCOPE) || token.subject !== token.clientId) {
      throw OAuthError.invalidToken(undefined, { ...challenge, detail: `token of client ${token.clientId} is not an admin API token of tenant ${this.issuers.tenant}` });
    }
    const client = await this.clients.findForAuthentication(token.clientId);
    if (!client || !client.scopes.has(ADMIN_SCOPE)) {
      throw OAuthError.invalidToken(undefined, { ...challenge, detail: `client ${token.clientId} is deleted or no longer holds ${ADMIN_SCOPE}` });
    }
    return client;
  }
}

/** A super-admin: `admin` (checked already) and `super_admin`, in the default tenant only — the flag means nothing elsewhere. */
function isSuperAdmin(client: RegisteredClient, defaultTenant: string): boolean {
  return client.superAdmin && client.tenant === defaultTenant;
}
