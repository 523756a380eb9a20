import { UsageError } from './args';
import { changedClaims, claimValue } from './claim-options';

describe('--claim values', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['42', 42],
    ['-1.5', -1.5],
    ['null', null],
    ['["admins","ops"]', ['admins', 'ops']],
    ['{"locality":"Paris","country":"FR"}', { locality: 'Paris', country: 'FR' }],
    ['"true"', 'true'],
    ['"007"', '007'],
  ])('reads %s as JSON', (text, value) => {
    expect(claimValue('custom', text)).toEqual(value);
  });

  it.each(['Alice Smith', 'alice@example.com', '+15555550100', '007', 'True', '[not json', '', '12345678901234567890', '1e400'])(
    'keeps %j as text',
    (text) => {
      expect(claimValue('custom', text)).toBe(text);
    },
  );

  it.each([
    ['phone_number', '4155551234', '4155551234'],
    ['phone_number', '+1 415 555 1234', '+1 415 555 1234'],
    ['nickname', 'true', 'true'],
    ['nickname', '"true"', 'true'],
    ['middle_name', 'null', 'null'],
    ['birthdate', '1990', '1990'],
    ['name', '["A","B"]', '["A","B"]'],
    ['zoneinfo', '{"x":1}', '{"x":1}'],
  ])('keeps the standard string claim %s=%s a string (OIDC Core §5.1)', (name, text, value) => {
    expect(claimValue(name, text)).toBe(value);
  });

  it('reads the other standard claims as JSON, for the user parser to check their types', () => {
    expect(claimValue('email_verified', 'true')).toBe(true);
    expect(claimValue('phone_number_verified', 'false')).toBe(false);
    expect(claimValue('updated_at', '1700000000')).toBe(1700000000);
    expect(claimValue('address', '{"country":"FR"}')).toEqual({ country: 'FR' });
    expect(claimValue('email_verified', 'yes')).toBe('yes');
  });
});

describe('claims after users create|update', () => {
  const current = { email: 'a@example.com', name: 'A', nickname: 'ace' };

  it('sets the named claims and keeps the others', () => {
    expect(changedClaims(current, { set: [['name', 'Alice'], ['email_verified', true]], unset: [] })).toEqual({ email: 'a@example.com', name: 'Alice', nickname: 'ace', email_verified: true });
  });

  it('removes unset claims; an absent one changes nothing', () => {
    expect(changedClaims(current, { set: [], unset: ['nickname', 'phone_number'] })).toEqual({ email: 'a@example.com', name: 'A' });
  });

  it('starts from the claims file when one is given, replacing the current claims', () => {
    expect(changedClaims(current, { replaceWith: { groups: ['x'], name: 'F' }, set: [['name', 'G']], unset: ['groups'] })).toEqual({ name: 'G' });
  });

  it('leaves the current claims as they were', () => {
    const before = structuredClone(current);
    changedClaims(current, { set: [['name', 'B']], unset: ['email'] });
    expect(current).toEqual(before);
  });

  it('refuses to set and unset one claim at once, and names of object machinery', () => {
    expect(() => changedClaims(current, { set: [['name', 'B']], unset: ['name'] })).toThrow(new UsageError('--claim and --unset-claim both name name'));
    expect(() => changedClaims(current, { set: [['__proto__', { admin: true }]], unset: [] })).toThrow(new UsageError('__proto__ is not a claim name'));
    expect(() => changedClaims(current, { set: [], unset: ['constructor'] })).toThrow(UsageError);
  });
});
