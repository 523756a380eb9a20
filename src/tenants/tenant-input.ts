import { OAuthError } from '../common/oauth-error';
import { MAX_TENANT_DOMAIN_LENGTH, tenantDomainProblem } from './tenant-domain';

/** What an administrator gives to create a tenant (admin API body, CLI options). */
export interface TenantInput {
  domain: string;
  display_name: string;
  enabled: boolean;
  settings: Record<string, unknown>;
}

/** What an administrator may change of a tenant: its domain names every row, so it never changes. */
export type TenantChange = Partial<Omit<TenantInput, 'domain'>>;

const DISPLAY_NAME_LENGTH = 255;

/** The fields the admin API takes, as its OpenAPI document shows them (one source: the document is built from this). */
export const TENANT_FIELDS = {
  domain: {
    type: 'string',
    maxLength: MAX_TENANT_DOMAIN_LENGTH,
    description: 'lower-case DNS name: dot-separated labels of a-z, 0-9 and inner hyphens, 1-63 characters each; set at creation only',
  },
  display_name: { type: 'string', maxLength: DISPLAY_NAME_LENGTH, description: 'default: the domain' },
  enabled: { type: 'boolean', description: 'a disabled tenant answers every endpoint with an error and issues nothing; the default tenant cannot be disabled' },
  settings: { type: 'object', description: "overrides of the deployment file's settings for this tenant, shaped as its keys ({\"oauth\": {\"token\": {\"access_token_ttl\": 900}}}); they win over [tenant.\"<domain>\"]" },
} as const;
/** The overrides are a few dozen keys; a bigger document is a mistake, not a configuration. */
const SETTINGS_BYTES = 64 * 1024;

/** A create body: `domain` required, the rest defaulted (display name = domain, enabled, no overrides). */
export function parseTenantInput(body: unknown): TenantInput {
  const fields = objectOf(body, 'the request body', Object.keys(TENANT_FIELDS));
  const problem = tenantDomainProblem(fields.domain);
  if (problem) throw OAuthError.invalidRequest(problem);
  const domain = fields.domain as string;
  const change = changeOf(fields);
  return { domain, display_name: change.display_name ?? domain, enabled: change.enabled ?? true, settings: change.settings ?? {} };
}

/** A PATCH body: any of `display_name`, `enabled`, `settings`; `domain` only when it is the tenant's own. */
export function parseTenantChange(body: unknown, domain: string): TenantChange {
  const fields = objectOf(body, 'the request body', Object.keys(TENANT_FIELDS));
  if (fields.domain !== undefined && fields.domain !== domain) throw OAuthError.invalidRequest('domain cannot be changed: it names every record of the tenant');
  return changeOf(fields);
}

function changeOf(fields: Record<string, unknown>): TenantChange {
  const change: TenantChange = {};
  if (fields.display_name !== undefined) {
    const name = fields.display_name;
    if (typeof name !== 'string' || !name.trim() || name.length > DISPLAY_NAME_LENGTH || /[\x00-\x1F\x7F]/.test(name)) {
      throw OAuthError.invalidRequest(`display_name must be a non-empty string of at most ${DISPLAY_NAME_LENGTH} characters without control characters`);
    }
    change.display_name = name;
  }
  if (fields.enabled !== undefined) {
    if (typeof fields.enabled !== 'boolean') throw OAuthError.invalidRequest('enabled must be true or false');
    change.enabled = fields.enabled;
  }
  if (fields.settings !== undefined) {
    // Which keys a tenant may override is the settings' own check (issue 26 item 4); here, only the shape.
    const settings = objectOf(fields.settings, 'settings');
    if (Buffer.byteLength(JSON.stringify(settings)) > SETTINGS_BYTES) throw OAuthError.invalidRequest(`settings must be at most ${SETTINGS_BYTES} bytes of JSON`);
    change.settings = settings;
  }
  return change;
}

/** A JSON object (not an array, not null), with only `allowed` keys when given. */
function objectOf(value: unknown, what: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw OAuthError.invalidRequest(`${what} must be a JSON object`);
  const fields = value as Record<string, unknown>;
  const unknown = allowed ? Object.keys(fields).filter((key) => !allowed.includes(key)) : [];
  if (unknown.length) throw OAuthError.invalidRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 10).join(', ')}`);
  return fields;
}
