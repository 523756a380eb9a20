import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { IssuerContext } from '../common/issuer-context';
import { OAuthError } from '../common/oauth-error';
import { DEFAULT_TENANT } from '../common/request-context';
import { adminClientOf } from './admin-audit.interceptor';

/**
 * The one place that decides who administers tenants (and, later, any tenant): a super-admin.
 * Runs after `AdminTokenGuard`, which accepted an admin token of the request's tenant. For now a
 * super-admin is any admin client of the default tenant `carbon.super`; the `super_admin` client
 * flag of issue 26 item 5 narrows it here, and nowhere else.
 */
@Injectable()
export class SuperAdminGuard implements CanActivate {
  constructor(private readonly context: IssuerContext) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<object>();
    // Without the admin guard before it, nobody was authenticated: a wiring mistake, not a caller's.
    if (adminClientOf(request) === undefined) throw new Error('SuperAdminGuard must run after AdminTokenGuard');
    if (this.context.tenant !== DEFAULT_TENANT) {
      throw OAuthError.insufficientScope(`tenants are administered by super-admins of the default tenant ${DEFAULT_TENANT} only`, { detail: `admin of tenant ${this.context.tenant}` });
    }
    return true;
  }
}
