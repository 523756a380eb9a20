/**
 * Who made a change, as the audit trail records it — a kind and an identifier:
 *
 * - `client:<client_id>`: an admin API caller (a `client_credentials` token with scope `admin`), or
 *   a client changing its own registration (RFC 7592, with its registration access token);
 * - `super-admin:<client_id>`: a super-admin client of the default tenant, at another tenant's admin API;
 * - `user:<user id>`: a person signed in to the console (once the console exists);
 * - `operator:<OS user>`: someone running the `grantry` CLI on a host with access to the database;
 * - `registrant` (open registration) or `initial-access-token:<id>`: an RFC 7591 registration.
 */
export type Actor = string;

export const actors = {
  client: (clientId: string): Actor => `client:${clientId}`,
  superAdmin: (clientId: string): Actor => `super-admin:${clientId}`,
  user: (userId: string): Actor => `user:${userId}`,
  operator: (name: string): Actor => `operator:${name}`,
};

/** Every event the trail records; the README lists them with what each row holds. */
export const AUDIT_EVENTS = [
  'client.created', 'client.updated', 'client.deleted', 'client.secret_rotated', 'client.registered',
  'user.created', 'user.updated', 'user.deleted', 'user.consents_revoked',
  'identity_provider.created', 'identity_provider.updated', 'identity_provider.deleted',
  'certificate.imported', 'certificate.deleted',
  'key.generated', 'key.imported', 'key.rotated', 'key.deleted',
  'initial_access_token.created', 'initial_access_token.revoked',
  'tenant.created', 'tenant.updated', 'tenant.deleted',
] as const;
export type AuditEventName = (typeof AUDIT_EVENTS)[number];

/**
 * Facts of a change: names of changed fields, an algorithm, a flag — never a value that could be
 * secret (a password, a client secret, a token, an assertion, a certificate's key), so no caller
 * copies a request body here.
 */
export type AuditDetails = Record<string, string | number | boolean | readonly string[]>;

/** One change, before it is written: the tenant and the time are the trail's. */
export interface AuditEvent {
  event: AuditEventName;
  actor: Actor;
  /** The client the change concerns (a client's own events, a secret rotation), when there is one. */
  clientId?: string;
  /** The record changed: a user id, an identity provider id, a certificate alias, a kid, ... */
  target?: string;
  details?: AuditDetails;
}

/** A row as the admin API and `grantry audit list` show it. */
export interface AuditEventView {
  id: number;
  occurred_at: number;
  tenant: string;
  actor: string;
  event: string;
  client_id: string | null;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** The names of the fields a change set (a PATCH body's, a parsed input's): never their values. */
export function fieldNames(input: unknown): string[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.entries(input)
    .filter(([name, value]) => value !== undefined && /^[A-Za-z0-9_#.-]{1,64}$/.test(name))
    .map(([name]) => name)
    .sort()
    .slice(0, 64);
}

/** The event of a key change: the kid, its use and algorithm (public facts of the key). */
export function keyEvent(event: 'key.generated' | 'key.imported' | 'key.rotated', actor: Actor, key: { kid: string; use: string; alg: string }): AuditEvent {
  return { event, actor, target: key.kid, details: { use: key.use, alg: key.alg } };
}

/** The event of a new initial access token: its id and limits, never the token. */
export function initialAccessTokenCreated(actor: Actor, issued: { id: string; expires_at: number; max_uses: number | null }): AuditEvent {
  return { event: 'initial_access_token.created', actor, target: issued.id, details: { expires_at: issued.expires_at, ...(issued.max_uses === null ? {} : { max_uses: issued.max_uses }) } };
}
