import { IssuerContext } from '../../src/common/issuer-context';
import type { RequestContext } from '../../src/common/request-context';
import { parseTenantChange, parseTenantInput } from '../../src/tenants/tenant-input';
import { TenantsService } from '../../src/tenants/tenants.service';
import { adminCall, type AdminAnswer } from './admin-api';
import { basic, createClient, TEST_ACTOR, type TestServer } from './server';

/** One issuer of a test server: the default tenant's or a tenant's, with a token of its own admin client. */
export interface TenantIssuer {
  /** undefined for the default tenant. */
  domain?: string;
  /** `<base_url>` or `<base_url>/t/{domain}`. */
  issuer: string;
  /** The path its endpoints live under: '' or `/t/{domain}`. */
  prefix: string;
  context: RequestContext;
  /** An access token of its admin client (scope admin), for its own admin API. */
  adminToken: string;
  /** A request to its own admin API (`<issuer>/api/admin/v1` + path). */
  admin(method: string, path: string, body?: unknown): Promise<AdminAnswer>;
}

/**
 * Creates tenant `domain` in-process, through the service the admin API and the CLI's `tenants
 * create` use (test/tenants.e2e-spec.ts covers the admin API itself), with its first signing key.
 */
export async function createTenant(server: TestServer, domain: string, display_name = `Tenant ${domain}`): Promise<void> {
  await server.app.get(TenantsService).create(parseTenantInput({ domain, display_name }), TEST_ACTOR);
}

/** Disables or enables tenant `domain` in-process, as `grantry tenants disable|enable` does. */
export async function setTenantEnabled(server: TestServer, domain: string, enabled: boolean): Promise<void> {
  await server.app.get(TenantsService).update(domain, parseTenantChange({ enabled }, domain), TEST_ACTOR);
}

/** Deletes tenant `domain` and everything of it in-process, as `grantry tenants delete` does. */
export function deleteTenant(server: TestServer, domain: string): Promise<void> {
  return server.app.get(TenantsService).delete(domain, TEST_ACTOR);
}

/**
 * An issuer's admin: a client with scope admin registered in-process in the tenant's context (as
 * the CLI's `clients create --tenant` does: the bootstrap step of a tenant), and a
 * client_credentials token of it from the tenant's own token endpoint.
 */
export async function tenantIssuer(server: TestServer, domain: string | undefined): Promise<TenantIssuer> {
  const issuers = server.app.get(IssuerContext);
  const context = domain ? await issuers.forDomain(domain) : issuers.default;
  const admin = await issuers.run(context, () => createClient(server, { client_name: 'admin', grant_types: ['client_credentials'], scope: 'admin' }));
  const response = await fetch(`${context.issuer}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(admin.client_id, admin.client_secret!), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
  });
  if (response.status !== 200) throw new Error(`admin token of ${domain ?? 'the default tenant'}: ${response.status} ${await response.text()}`);
  const adminToken = ((await response.json()) as { access_token: string }).access_token;
  return { domain, issuer: context.issuer, prefix: context.pathPrefix, context, adminToken, admin: (method, path, body) => adminCall(context.issuer, adminToken, method, path, body) };
}

/** Runs `work` in tenant `domain`'s context (the default tenant's when undefined), as its requests are served. */
export async function inTenant<T>(server: TestServer, domain: string | undefined, work: () => Promise<T>): Promise<T> {
  const issuers = server.app.get(IssuerContext);
  return issuers.run(domain ? await issuers.forDomain(domain) : issuers.default, work);
}
