/** Rows of several tenants, by tenant, each tenant's in their order. */
export function groupByTenant<T extends { tenant: string }>(rows: readonly T[]): Map<string, T[]> {
  const byTenant = new Map<string, T[]>();
  for (const row of rows) {
    const held = byTenant.get(row.tenant);
    if (held) held.push(row);
    else byTenant.set(row.tenant, [row]);
  }
  return byTenant;
}
