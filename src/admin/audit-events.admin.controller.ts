import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { AuditEventView } from '../audit/audit-event';
import { AuditQueryInput, parseAuditQuery } from '../audit/audit-query';
import { AuditTrail } from '../audit/audit-trail';
import { nowSeconds } from '../database/columns';
import { AdminTokenGuard } from './admin-token.guard';
import { parsePaging } from './paging';

/**
 * The audit trail of admin and security changes, newest first: `?actor=&event=&client_id=&tenant=
 * &since=&until=` (all optional, ANDed) and the usual `?limit=&offset=`.
 */
@Controller('api/admin/v1/audit-events')
@UseGuards(AdminTokenGuard)
export class AuditEventsAdminController {
  constructor(private readonly audit: AuditTrail) {}

  @Get()
  list(@Query() query: AuditQueryInput & { limit?: string; offset?: string }): Promise<{ items: AuditEventView[]; total: number }> {
    const { limit, offset } = parsePaging(query);
    return this.audit.list(parseAuditQuery(query, nowSeconds()), limit, offset);
  }
}
