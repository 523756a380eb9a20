import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Actor } from '../audit/audit-event';
import { IfMatch } from '../common/entity-tag';
import { NoStore } from '../common/no-store.decorator';
import { OAuthError } from '../common/oauth-error';
import { TenantOverridesCheck } from '../oauth/tenant-overrides.check';
import { parseTenantChange, parseTenantInput } from '../tenants/tenant-input';
import { TenantPage, TenantsService, TenantView } from '../tenants/tenants.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { tagged } from './entity-tag.reply';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';
import { SuperAdminGuard } from './super-admin.guard';

/** Tenants (issue 26): super-admins only (see SuperAdminGuard). */
@Controller('api/admin/v1/tenants')
@UseGuards(AdminTokenGuard, SuperAdminGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class TenantsAdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly overrides: TenantOverridesCheck,
  ) {}

  /** 201 with the tenant; its first signing key is created with it. */
  @Post()
  @NoStore()
  async create(@Body() body: unknown, @AdminActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    const input = parseTenantInput(body);
    this.checkSettings(input.domain, input.settings);
    return tagged(reply, await this.tenants.create(input, actor));
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<TenantPage> {
    const { limit, offset } = parsePaging(query);
    return this.tenants.list(limit, offset);
  }

  /** With a strong `ETag` of the stored version, for a PATCH's `If-Match`. */
  @Get(':domain')
  async get(@Param('domain') domain: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    return tagged(reply, await this.tenants.get(domain));
  }

  /** `display_name`, `enabled`, `settings`; one conditional UPDATE, with `If-Match` only over the version it names (else 412). */
  @Patch(':domain')
  @NoStore()
  async update(@Param('domain') domain: string, @Body() body: unknown, @AdminActor() actor: Actor, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    const precondition = IfMatch.parse(ifMatch);
    const change = parseTenantChange(body, domain);
    if (change.settings !== undefined) this.checkSettings(domain, change.settings);
    return tagged(reply, await this.tenants.update(domain, change, actor, precondition));
  }

  /** Overrides a tenant may hold, by the rules of the file's `[tenant."<domain>"]` tables: 400 naming every bad key. */
  private checkSettings(domain: string, settings: unknown): void {
    const problems = this.overrides.problems(domain, settings);
    if (problems.length) throw OAuthError.invalidRequest(`settings: ${problems.join('; ')}`);
  }

  /** Everything of the tenant, in one transaction; its audit events stay. */
  @Delete(':domain')
  @HttpCode(204)
  async delete(@Param('domain') domain: string, @AdminActor() actor: Actor): Promise<void> {
    await this.tenants.delete(domain, actor);
  }
}
