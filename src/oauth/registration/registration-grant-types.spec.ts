import { buildConfig } from '../../config/config-loader';
import { describeUnapproved, registrationGrantTypes, unapprovedRegistrations } from './registration-grant-types';

describe('registrationGrantTypes', () => {
  it('defaults to authorization_code and refresh_token', () => {
    expect(registrationGrantTypes(buildConfig({}, { env: {} }))).toEqual(['authorization_code', 'refresh_token']);
  });

  it('adds implicit when the implicit grant is enabled', () => {
    expect(registrationGrantTypes(buildConfig({ oauth: { grant_type: { implicit: { enable: true } } } }, { env: {} }))).toEqual(['authorization_code', 'refresh_token', 'implicit']);
  });

  it('takes a listed value as it is, implicit enabled or not', () => {
    const config = buildConfig({ oauth: { registration: { allowed_grant_types: ['authorization_code', 'password'] }, grant_type: { implicit: { enable: true } } } }, { env: {} });
    expect(registrationGrantTypes(config)).toEqual(['authorization_code', 'password']);
  });
});

describe('unapprovedRegistrations', () => {
  it('names each client with the grant types its registrant chose outside the list', () => {
    const allowed = new Set(['authorization_code', 'refresh_token']);
    const clients = [
      { clientId: 'a', registrantGrantTypes: ['authorization_code', 'password', 'client_credentials'] },
      { clientId: 'b', registrantGrantTypes: ['authorization_code'] },
      { clientId: 'c', registrantGrantTypes: [] },
    ];
    expect(unapprovedRegistrations(clients, allowed)).toEqual([{ clientId: 'a', grantTypes: ['password', 'client_credentials'] }]);
  });
});

describe('describeUnapproved', () => {
  it('names at most max clients and says how many more there are', () => {
    const found = ['a', 'b', 'c'].map((clientId) => ({ clientId, grantTypes: ['password'] }));
    expect(describeUnapproved(found, 2)).toBe(
      '3 clients registered through RFC 7591 hold grant types outside [oauth.registration] allowed_grant_types, refused at the token endpoint ' +
        'until an administrator saves the client (admin API PATCH or grantry clients update): a (password); b (password), and 1 more (grantry config check lists them all)',
    );
  });
});
