import { GRANT_TYPE_TABLES } from '../../config/grant-type-tables';
import { AUTHORIZATION_ENDPOINT_GRANTS, BUILT_IN_GRANTS } from './built-in-grants';

describe('built-in grants and their [oauth.grant_type] tables', () => {
  it('declare exactly the tables configuration validates, with the same settings classes, in the same order', () => {
    const definitions = [...BUILT_IN_GRANTS.map((grant) => grant.definition), ...AUTHORIZATION_ENDPOINT_GRANTS];
    expect(definitions.map((definition) => [definition.id, definition.settings])).toEqual([...GRANT_TYPE_TABLES]);
  });
});
