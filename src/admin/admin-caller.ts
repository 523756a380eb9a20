import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Actor } from '../audit/audit-event';

/**
 * Who called the admin API, as `AdminTokenGuard` found them: the client whose admin token it
 * accepted, whether that client is a super-admin, and the tenant the token was issued in (the
 * request's own, or the default tenant for a super-admin acting in another).
 */
export interface AdminCaller {
  readonly clientId: string;
  /** A client of the default tenant holding `admin` and `super_admin = true`. */
  readonly superAdmin: boolean;
  /** The tenant of the client (and of its token). */
  readonly tenant: string;
  /**
   * Who the audit trail says changed: `client:<client_id>` in the client's own tenant,
   * `super-admin:<client_id>` for a super-admin of the default tenant acting in another (whose
   * client id names nothing there).
   */
  readonly actor: Actor;
}

const callers = new WeakMap<object, AdminCaller>();

export function noteAdminCaller(request: object, caller: AdminCaller): void {
  callers.set(request, caller);
}

/** The caller the guard accepted; undefined on a route without the guard (a wiring mistake where it is needed). */
export function adminCallerOf(request: object): AdminCaller | undefined {
  return callers.get(request);
}

/** The admin caller of the request, for a handler; a route without `AdminTokenGuard` fails loudly. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): AdminCaller => {
  const caller = adminCallerOf(context.switchToHttp().getRequest<object>());
  if (caller === undefined) throw new Error('no admin caller on this request: AdminTokenGuard must run before the handler');
  return caller;
});
