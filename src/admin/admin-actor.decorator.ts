import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor } from '../audit/audit-event';
import { adminCallerOf } from './admin-caller';

/**
 * The audit actor of an admin API request, as `AdminTokenGuard` found it (see `AdminCaller.actor`).
 * A route without the guard has no actor, and fails loudly.
 */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const caller = adminCallerOf(context.switchToHttp().getRequest<object>());
  if (caller === undefined) throw new Error('no admin caller on this request: AdminTokenGuard must run before the handler');
  return caller.actor;
});
