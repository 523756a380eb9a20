import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { OAuthError } from '../common/oauth-error';
import { CertificateView, TruststoreService } from '../keys/truststore.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** The truststore: a certificate whose alias is a client_id verifies that client's private_key_jwt. */
@Controller('api/admin/v1/certificates')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class CertificatesAdminController {
  constructor(private readonly truststore: TruststoreService, private readonly audit: AuditTrail) {}

  @Post()
  async create(@Body() body: { alias?: unknown; certificate?: unknown } | undefined, @AdminActor() actor: Actor): Promise<CertificateView> {
    const { alias, certificate } = body ?? {};
    if (typeof alias !== 'string' || typeof certificate !== 'string') {
      throw OAuthError.invalidRequest('alias and certificate (PEM) are required strings');
    }
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
  async delete(@Param('alias') alias: string, @AdminActor() actor: Actor): Promise<void> {
    await this.truststore.delete(alias, [this.audit.step({ event: 'certificate.deleted', actor, target: alias })]);
  }
}
