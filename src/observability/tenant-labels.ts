import { OTHER } from './metrics.service';

/**
 * How many tenants besides the default one get a `tenant` label value of their own: the first
 * ones to issue or be refused a token since the process started. Every later tenant is counted
 * as `other`, so a deployment of thousands of tenants still exposes a bounded set of series.
 */
export const TENANT_LABEL_CAP = 20;

/**
 * The `tenant` label of the token metrics, from a closed set: the default tenant, the first
 * `cap` other tenants seen, then `other`. One Map lookup per call (the token endpoint counts
 * every request); only tenants that exist reach it (the request context refuses any other
 * domain before a route runs), so junk requests cannot use up the set. (A tenant whose domain
 * is `other` shares its label with the overflow.)
 */
export class TenantLabels {
  private readonly labels = new Map<string, string>();

  constructor(private readonly defaultTenant: string, private readonly cap = TENANT_LABEL_CAP) {
    this.labels.set(defaultTenant, defaultTenant);
  }

  label(tenant: string): string {
    const known = this.labels.get(tenant);
    if (known !== undefined) return known;
    if (this.labels.size > this.cap) return OTHER; // the default tenant + `cap` others
    this.labels.set(tenant, tenant);
    return tenant;
  }
}
