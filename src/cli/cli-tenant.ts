import type { INestApplicationContext } from '@nestjs/common';
import { DEFAULT_TENANT, IssuerContext } from '../common/issuer-context';
import type { RequestContext } from '../common/request-context';
import { TenantDirectory } from '../common/tenant-directory';
import { UsageError } from './args';

/** `--tenant` names no tenant a command can work in: unknown, or disabled. One line, no stack. */
export class TenantUnavailableError extends Error {
  override name = 'TenantUnavailableError';
}

export { TENANT_HELP } from './usage';

/** `--tenant D` or `--tenant=D`, wherever it stands; undefined without one. */
export function tenantFlag(args: string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let value: string | undefined;
    if (args[i] === '--tenant') value = args[i + 1] ?? '';
    else if (args[i].startsWith('--tenant=')) value = args[i].slice('--tenant='.length);
    else continue;
    if (!value || value.startsWith('--')) throw new UsageError('--tenant takes a tenant domain (grantry tenants list shows them)');
    if (found !== undefined && found !== value) throw new UsageError('--tenant is given twice with different domains');
    found = value;
  }
  return found;
}

/**
 * The request context a command naming `domain` runs in — the same object the tenant's requests
 * are served in (`IssuerContext.forTenant`), found through the tenant directory as a request's
 * is. An unknown or disabled tenant stops the command before it touches anything.
 */
export async function tenantContext(app: INestApplicationContext, domain: string | undefined): Promise<RequestContext> {
  const issuers = app.get(IssuerContext);
  if (domain === undefined || domain === issuers.default.tenant) return issuers.default;
  const state = await app.get(TenantDirectory).find(domain);
  if (!state) throw new TenantUnavailableError(`tenant "${domain}" does not exist (grantry tenants list shows the tenants)`);
  if (!state.enabled) throw new TenantUnavailableError(`tenant "${domain}" is disabled (grantry tenants enable ${domain})`);
  return issuers.forTenant(state);
}
