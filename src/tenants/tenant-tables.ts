/**
 * Every table whose rows belong to a tenant (a `tenant` column), deleted with the tenant in one
 * atomic write: clients, users and their identity links, identity providers, the truststore,
 * signing and encryption keys, grants, codes, tokens (opaque, refresh, revoked), sessions,
 * interactions, consents, initial access tokens, pushed authorization requests and used `jti`s.
 *
 * `audit_events` is left out on purpose: the trail is the record of what happened, the deletion
 * of the tenant included, and outlives what it describes (housekeeping sweeps it by age).
 *
 * A new table with a `tenant` column must be listed here or in KEPT_WITH_TENANT_DELETED:
 * test/tenants.e2e-spec.ts compares both lists with the migrated schema.
 */
export const TENANT_TABLES = [
  'access_tokens', 'authorization_codes', 'certificates', 'clients', 'consents', 'encryption_keys',
  'grant_records', 'identity_providers', 'initial_access_tokens', 'interactions', 'pushed_requests', 'refresh_tokens',
  'revoked_access_tokens', 'sessions', 'signing_keys', 'used_jtis', 'user_identities', 'users',
] as const;

/** Tables with a `tenant` column whose rows outlive their tenant (see above). */
export const KEPT_WITH_TENANT_DELETED = ['audit_events'] as const;
