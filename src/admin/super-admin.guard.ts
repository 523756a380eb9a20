import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { OAuthError } from '../common/oauth-error';
import { DEFAULT_TENANT } from '../common/request-context';
import { adminCallerOf } from './admin-caller';

/**
 * The one place that decides who administers tenants: a super-admin — a client of the default
 * tenant `carbon.super` holding the reserved `admin` scope and `super_admin = true` (set by the
 * CLI or by another super-admin; `AdminTokenGuard` found out whether the caller is one). Runs
 * after `AdminTokenGuard`, at the default tenant's admin API only. Refused with 403
 * insufficient_scope (RFC 6750 §3.1): the token is good, the caller lacks the privilege.
 */
@Injectable()
export class SuperAdminGuard implements CanActivate {
  constructor(private readonly context: IssuerContext) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<object>();
    const caller = adminCallerOf(request);
    // Without the admin guard before it, nobody was authenticated: a wiring mistake, not a caller's.
    if (caller === undefined) throw new Error('SuperAdminGuard must run after AdminTokenGuard');
    if (this.context.tenant !== DEFAULT_TENANT) {
      throw OAuthError.insufficientScope(`tenants are administered by super-admins of the default tenant ${DEFAULT_TENANT} only`, { detail: `admin of tenant ${this.context.tenant}` });
    }
    if (!caller.superAdmin) {
      throw OAuthError.insufficientScope("tenants are administered with a super-admin's token only", { detail: `admin client ${caller.clientId} is not a super-admin` });
    }
    return true;
  }
}
