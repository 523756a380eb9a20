import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { Actor, fieldNames } from '../audit/audit-event';
import { AuditTrail } from '../audit/audit-trail';
import { parseIdentityProviderInput } from '../identity-providers/identity-provider-input';
import { IdentityProvidersService, IdentityProviderView } from '../identity-providers/identity-providers.service';
import { AdminActor } from './admin-actor.decorator';
import { AdminAudit } from './admin-audit.interceptor';
import { AdminTokenGuard } from './admin-token.guard';
import { JsonDepthGuard } from './json-depth.guard';
import { parsePaging } from './paging';

/** Trusted issuers of JWT bearer grant assertions. */
@Controller('api/admin/v1/identity-providers')
@UseGuards(AdminTokenGuard, JsonDepthGuard)
@UseInterceptors(AdminAudit)
export class IdentityProvidersAdminController {
  constructor(private readonly providers: IdentityProvidersService, private readonly audit: AuditTrail) {}

  @Post()
  async create(@Body() body: unknown, @AdminActor() actor: Actor): Promise<IdentityProviderView> {
    const created = await this.providers.create(parseIdentityProviderInput(body));
    // After the INSERT, not with it: IdentityProvidersService.create does not hand out write steps yet.
    await this.audit.recordAfter({ event: 'identity_provider.created', actor, target: created.id });
    return created;
  }

  @Get()
  list(@Query() query: { limit?: string; offset?: string }): Promise<{ items: IdentityProviderView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    return this.providers.list(limit, offset);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<IdentityProviderView> {
    return this.providers.get(id);
  }

  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown, @AdminActor() actor: Actor): Promise<IdentityProviderView> {
    const updated = await this.providers.update(id, parseIdentityProviderInput(body, await this.providers.input(id)));
    // After the UPDATE, not with it: IdentityProvidersService.update does not hand out write steps yet.
    await this.audit.recordAfter({ event: 'identity_provider.updated', actor, target: id, details: { fields: fieldNames(body) } });
    return updated;
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string, @AdminActor() actor: Actor): Promise<void> {
    await this.providers.delete(id, [this.audit.step({ event: 'identity_provider.deleted', actor, target: id })]);
  }
}
