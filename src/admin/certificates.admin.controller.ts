import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { ClientsService } from '../clients/clients.service';
import { OAuthError } from '../common/oauth-error';
import { CertificateView, TruststoreService } from '../keys/truststore.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminCaller, Caller } from './admin-caller';
import { refuseTouchingSuperAdmin } from './super-admin-rules';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** The truststore: a certificate whose alias is a client_id verifies that client's private_key_jwt. */
@Controller('api/admin/v1/certificates')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class CertificatesAdminController {
  constructor(
    private readonly truststore: TruststoreService,
    private readonly audit: AuditTrail,
    private readonly clients: ClientsService,
  ) {}

  @Post()
  async create(@Body() body: { alias?: unknown; certificate?: unknown } | undefined, @AdminActor() actor: Actor, @Caller() caller: AdminCaller): Promise<CertificateView> {
    const { alias, certificate } = body ?? {};
    if (typeof alias !== 'string' || typeof certificate !== 'string') {
      throw OAuthError.invalidRequest('alias and certificate (PEM) are required strings');
    }
    await this.refuseSuperAdminAlias(caller, alias);
    return this.truststore.import(alias, certificate, {}, ({ fingerprint }) => [this.audit.step({ event: 'certificate.imported', actor, target: alias, details: { fingerprint } })]);
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: CertificateView[]; total: number }> {
    return this.truststore.list(parsePaging(query));
  }

  @Get(':alias')
  get(@Param('alias') alias: string): Promise<CertificateView> {
    return this.truststore.get(alias);
  }

  @Delete(':alias')
  @HttpCode(204)
  async delete(@Param('alias') alias: string, @AdminActor() actor: Actor, @Caller() caller: AdminCaller): Promise<void> {
    await this.refuseSuperAdminAlias(caller, alias);
    await this.truststore.delete(alias, [this.audit.step({ event: 'certificate.deleted', actor, target: alias })]);
  }

  /** A certificate aliased by a super-admin's client_id verifies its private_key_jwt: a super-admin's to place or remove. */
  private async refuseSuperAdminAlias(caller: AdminCaller, alias: string): Promise<void> {
    if (caller.superAdmin) return;
    const client = await this.clients.findForAuthentication(alias);
    if (client) refuseTouchingSuperAdmin(caller, { client_id: client.clientId, super_admin: client.superAdmin });
  }
}
