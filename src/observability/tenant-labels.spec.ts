import { OTHER } from './metrics.service';
import { TENANT_LABEL_CAP, TenantLabels } from './tenant-labels';

describe('TenantLabels', () => {
  it('labels the default tenant and the first TENANT_LABEL_CAP others by their domain, every later one as other', () => {
    const labels = new TenantLabels('carbon.super');
    expect(labels.label('carbon.super')).toBe('carbon.super');
    const domains = Array.from({ length: TENANT_LABEL_CAP + 5 }, (_, i) => `t${i}.example`);
    const seen = domains.map((domain) => labels.label(domain));
    expect(seen.slice(0, TENANT_LABEL_CAP)).toEqual(domains.slice(0, TENANT_LABEL_CAP));
    expect(seen.slice(TENANT_LABEL_CAP)).toEqual(Array(5).fill(OTHER));
    // A tenant keeps the label it got; the default tenant never falls out of the set.
    expect(labels.label('t0.example')).toBe('t0.example');
    expect(labels.label(`t${TENANT_LABEL_CAP}.example`)).toBe(OTHER);
    expect(labels.label('carbon.super')).toBe('carbon.super');
  });

  it('holds at most the default tenant, the cap and other as label values', () => {
    const labels = new TenantLabels('carbon.super', 2);
    const values = new Set(['a', 'b', 'c', 'd', 'carbon.super', 'a'].map((tenant) => labels.label(tenant)));
    expect([...values]).toEqual(['a', 'b', OTHER, 'carbon.super']);
  });
});
