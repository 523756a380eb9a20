import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { IssuerContext } from '../common/issuer-context';
import type { WriteStep } from '../database/atomic-writer';
import { nowSeconds } from '../database/columns';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEvent, AuditEventView } from './audit-event';
import type { AuditQuery } from './audit-query';

/**
 * A value as its column can hold it: an identifier longer than any grantry makes is cut, not
 * refused, and a NUL (which PostgreSQL refuses in text) replaced — the change happened either way.
 */
const clip = (value: string | undefined, length: number): string | null => (value === undefined ? null : value.replace(/\u0000/g, '\ufffd').slice(0, length));

/**
 * The owner of `audit_events`: the record of admin and security changes. A change commits its
 * row in its own atomic write (`step`), so the two are one transaction: a committed change has its
 * row whatever happens to the process next, and a refused change leaves none. Token events
 * (`token.issued`, `token.refused`) are not here: they stay on the log (see `AuditLog`), so the
 * token endpoint writes nothing more.
 */
@Injectable()
export class AuditTrail {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly repo: Repository<AuditEventEntity>,
    private readonly context: IssuerContext,
  ) {}

  /** The INSERT of `event`, for the `AtomicWriter.commit` that makes the change. */
  step(event: AuditEvent): WriteStep {
    return {
      sql: 'INSERT INTO audit_events (tenant, occurred_at, actor, event, client_id, target, details) VALUES (?, ?, ?, ?, ?, ?, ?)',
      params: [
        this.context.tenant, nowSeconds(), clip(event.actor, 255), event.event, clip(event.clientId, 255), clip(event.target, 255),
        event.details && Object.keys(event.details).length ? JSON.stringify(event.details) : null,
      ],
    };
  }

  /** The tenant's events, newest first; another tenant's are never visible here. */
  async list(query: AuditQuery, limit: number, offset: number): Promise<{ items: AuditEventView[]; total: number }> {
    const tenant = this.context.tenant;
    if (query.tenant !== undefined && query.tenant !== tenant) return { items: [], total: 0 };
    const select = this.repo.createQueryBuilder('e').where('e.tenant = :tenant', { tenant });
    if (query.actor !== undefined) select.andWhere('e.actor = :actor', { actor: query.actor });
    if (query.event !== undefined) select.andWhere('e.event = :event', { event: query.event });
    if (query.clientId !== undefined) select.andWhere('e.clientId = :clientId', { clientId: query.clientId });
    if (query.since !== undefined) select.andWhere('e.occurredAt >= :since', { since: query.since });
    if (query.until !== undefined) select.andWhere('e.occurredAt < :until', { until: query.until });
    const [rows, total] = await select.orderBy('e.id', 'DESC').take(limit).skip(offset).getManyAndCount();
    return { items: rows.map(view), total };
  }
}

function view(row: AuditEventEntity): AuditEventView {
  return {
    id: row.id,
    occurred_at: row.occurredAt,
    tenant: row.tenant,
    actor: row.actor,
    event: row.event,
    client_id: row.clientId,
    target: row.target,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
  };
}
