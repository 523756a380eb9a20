import { GrantTypeSettings } from '../../../config/config.schema';
import type { GrantDefinition } from '../grant-definition';

/**
 * `[oauth.grant_type.implicit]`: the `token` and `id_token` response types of the authorization
 * endpoint (no token-endpoint grant). Off unless `enable = true` (RFC 9700 §2.1.2), and then only
 * for clients registered with the implicit grant type.
 */
export const IMPLICIT_GRANT: GrantDefinition = {
  id: 'implicit',
  grantType: 'implicit',
  settings: GrantTypeSettings,
};
