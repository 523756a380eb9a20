/** The size of every `tenant` column: a domain longer than this could not name its rows. */
export const MAX_TENANT_DOMAIN_LENGTH = 64;

/** RFC 1035 §2.3.1 / RFC 1123 §2.1 labels, lower case only: letters, digits and inner hyphens, 1–63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `domain` cannot name a tenant, or undefined when it can: dot-separated DNS labels of
 * `a-z0-9-` (1–63 characters each, no hyphen first or last), at most 64 characters in all.
 * Upper case is refused rather than folded: a tenant has one spelling, the one in its URLs
 * (`/t/{domain}`) and in every row, so `WSO2.com` never reaches `wso2.com`'s records.
 */
export function tenantDomainProblem(domain: unknown): string | undefined {
  if (typeof domain !== 'string' || !domain) return 'domain must be a non-empty string';
  if (domain.length > MAX_TENANT_DOMAIN_LENGTH) return `domain must be at most ${MAX_TENANT_DOMAIN_LENGTH} characters`;
  if (/[A-Z]/.test(domain)) return 'domain must be lower case';
  for (const label of domain.split('.')) {
    if (!label) return 'domain must be dot-separated labels, none empty';
    if (label.length > 63) return 'each label of domain must be at most 63 characters';
    if (!LABEL.test(label)) return 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen';
  }
  return undefined;
}

export function isTenantDomain(domain: unknown): domain is string {
  return tenantDomainProblem(domain) === undefined;
}
