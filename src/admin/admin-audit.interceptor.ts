import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import { IssuerContext } from '../common/issuer-context';
import { AuditLog } from '../observability/audit-log';
import { adminCallerOf } from './admin-caller';

/** The admin client behind an authorised admin request (set by `AdminTokenGuard`; see admin-caller.ts). */
export function adminClientOf(request: object): string | undefined {
  return adminCallerOf(request)?.clientId;
}

/**
 * An `admin.change` log line for every admin API write that succeeded: which admin client, the
 * method, the resource type and the record — never the body (it may carry a secret). The record
 * of the change is its `audit_events` row (`AuditTrail`); this line is for log pipelines.
 */
@Injectable()
export class AdminAudit implements NestInterceptor {
  constructor(
    private readonly audit: AuditLog,
    private readonly issuers: IssuerContext,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.method === 'GET' || request.method === 'HEAD' || !this.audit.enabled) return next.handle();
    return next.handle().pipe(tap((result) => {
      const route = request.routeOptions.url ?? '';
      // /api/admin/v1/<resource>[/:id[/<action>]]
      const [resource = 'unknown', , action] = route.replace(/^\/api\/admin\/v1\//, '').split('/');
      const caller = adminCallerOf(request);
      this.audit.adminChange({
        tenant: this.issuers.tenant,
        admin_client_id: caller?.clientId ?? 'unknown',
        ...(caller && caller.tenant !== this.issuers.tenant ? { admin_tenant: caller.tenant } : {}),
        method: request.method,
        resource: action ? `${resource}.${action}` : resource,
        id: recordId(request.params, result),
      });
    }));
  }
}

/** The record a write touched: the path's id, or the id of the record it created. */
function recordId(params: unknown, result: unknown): string | undefined {
  const fromPath = Object.values((params ?? {}) as Record<string, unknown>).find((value) => typeof value === 'string');
  if (typeof fromPath === 'string') return fromPath;
  const created = (result ?? {}) as Record<string, unknown>;
  for (const key of ['client_id', 'id', 'alias', 'kid']) if (typeof created[key] === 'string') return created[key] as string;
  return undefined;
}
