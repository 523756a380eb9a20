import { isTenantDomain, tenantDomainProblem } from './tenant-domain';

describe('tenant domains', () => {
  it('accepts lower-case DNS names of one or more labels, up to 64 characters', () => {
    for (const domain of ['carbon.super', 'wso2.com', 'a', 'x1', 'my-org.example.co', '0.1', `${'a'.repeat(63)}`, `${'a'.repeat(31)}.${'b'.repeat(32)}`]) {
      expect([domain, tenantDomainProblem(domain)]).toEqual([domain, undefined]);
    }
  });

  it.each([
    ['', 'domain must be a non-empty string'],
    ['WSO2.com', 'domain must be lower case'],
    ['wso2..com', 'domain must be dot-separated labels, none empty'],
    ['.wso2.com', 'domain must be dot-separated labels, none empty'],
    ['wso2.com.', 'domain must be dot-separated labels, none empty'],
    ['-wso2.com', 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['wso2-.com', 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['wso2_x.com', 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['wso2.com/x', 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    ['bücher.de', 'each label of domain must be letters a-z, digits and hyphens, not starting or ending with a hyphen'],
    [`${'a'.repeat(64)}`, 'each label of domain must be at most 63 characters'],
    [`${'a'.repeat(32)}.${'b'.repeat(32)}`, 'domain must be at most 64 characters'],
  ])('refuses %j: %s', (domain, problem) => {
    expect(tenantDomainProblem(domain)).toBe(problem);
    expect(isTenantDomain(domain)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['wso2.com'], { domain: 'wso2.com' }]) expect(isTenantDomain(value)).toBe(false);
  });
});
