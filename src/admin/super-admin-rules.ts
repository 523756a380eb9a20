import { SUPER_ADMIN_FIELD } from '../clients/client-metadata';
import { OAuthError } from '../common/oauth-error';
import type { AdminCaller } from './admin-caller';

/**
 * Who may make or touch a super-admin through the admin API: a super-admin's token, and nobody
 * else's — not a tenant's admin, not an admin of the default tenant without the flag. (The CLI,
 * run by an operator with the database at hand, may; RFC 7591/7592 registrants never: the field
 * is admin-only, so registration refuses it.) Refused with 403 insufficient_scope (RFC 6750
 * §3.1: the request needs more than the token grants) and the reason.
 */

/** A body that names `super_admin` at all, whatever its value, from a caller that is not a super-admin. */
export function refuseSuperAdminField(caller: AdminCaller, body: unknown): void {
  if (caller.superAdmin || !body || typeof body !== 'object' || !Object.hasOwn(body, SUPER_ADMIN_FIELD)) return;
  throw OAuthError.insufficientScope(`${SUPER_ADMIN_FIELD} is set only by the grantry CLI or with a super-admin's token`, { detail: `admin client ${caller.clientId} of tenant ${caller.tenant} is not a super-admin` });
}

/**
 * A change of a super-admin client (its metadata, its secret, its deletion, a certificate that
 * would verify its assertions) by a caller that is not one: it would hand the caller the
 * super-admin's credentials.
 */
export function refuseTouchingSuperAdmin(caller: AdminCaller, target: { client_id: string; super_admin: boolean }): void {
  if (caller.superAdmin || !target.super_admin) return;
  throw OAuthError.insufficientScope(`client ${target.client_id} is a super-admin: only a super-admin's token may change it`, { detail: `admin client ${caller.clientId} of tenant ${caller.tenant} is not a super-admin` });
}
