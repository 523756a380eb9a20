import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor, actors } from '../audit/audit-event';
import { adminClientOf } from './admin-audit.interceptor';

/**
 * The audit actor of an admin API request: the client whose admin token `AdminTokenGuard`
 * accepted (`client:<client_id>`). A route without the guard has no actor, and fails loudly.
 */
export const AdminActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const clientId = adminClientOf(context.switchToHttp().getRequest<object>());
  if (clientId === undefined) throw new Error('no admin caller on this request: AdminTokenGuard must run before the handler');
  return actors.client(clientId);
});
