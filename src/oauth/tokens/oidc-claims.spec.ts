import { STANDARD_CLAIM_TYPES } from '../../users/standard-claims';
import { USER_CLAIMS, userClaimsFor } from './oidc-claims';

describe('OIDC standard claims', () => {
  it('releases by scope exactly the claims whose types the user parser checks (OIDC Core §5.1, §5.4)', () => {
    expect([...USER_CLAIMS].sort()).toEqual(Object.keys(STANDARD_CLAIM_TYPES).sort());
  });

  it('releases the claims of the scopes asked for, and no claim of no standard scope', () => {
    const user = { username: 'alice', updatedAt: 1700000000, claims: { email: 'a@example.com', email_verified: true, name: 'A', groups: ['x'] } };
    expect(userClaimsFor(user, ['openid', 'email'])).toEqual({ email: 'a@example.com', email_verified: true });
    expect(userClaimsFor(user, ['openid'])).toEqual({});
    expect(userClaimsFor(user, ['profile'])).toEqual({ name: 'A', preferred_username: 'alice', updated_at: 1700000000 });
  });
});
