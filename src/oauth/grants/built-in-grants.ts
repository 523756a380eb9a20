import { AuthorizationCodeGrant } from './authorization-code/authorization-code.grant';
import { AUTHORIZATION_CODE_GRANT } from './authorization-code/authorization-code.definition';
import { IMPLICIT_GRANT } from './implicit/implicit.definition';
import { ClientCredentialsGrant } from './client-credentials/client-credentials.grant';
import { CLIENT_CREDENTIALS_GRANT } from './client-credentials/client-credentials.definition';
import type { BuiltInGrant, GrantDefinition } from './grant-definition';
import { JwtBearerGrant } from './jwt-bearer/jwt-bearer.grant';
import { JWT_BEARER_GRANT } from './jwt-bearer/jwt-bearer.definition';
import { PasswordGrant } from './password/password.grant';
import { PASSWORD_GRANT } from './password/password.definition';
import { RefreshTokenGrant } from './refresh-token/refresh-token.grant';
import { REFRESH_TOKEN_GRANT } from './refresh-token/refresh-token.definition';

/** Every built-in grant, one line each: its folder says the rest. */
export const BUILT_IN_GRANTS: readonly BuiltInGrant[] = [
  { definition: CLIENT_CREDENTIALS_GRANT, handler: ClientCredentialsGrant },
  { definition: AUTHORIZATION_CODE_GRANT, handler: AuthorizationCodeGrant },
  { definition: JWT_BEARER_GRANT, handler: JwtBearerGrant },
  { definition: REFRESH_TOKEN_GRANT, handler: RefreshTokenGrant },
  { definition: PASSWORD_GRANT, handler: PasswordGrant },
];

/** Grants of the authorization endpoint alone (no token-endpoint handler), configured the same way. */
export const AUTHORIZATION_ENDPOINT_GRANTS: readonly GrantDefinition[] = [IMPLICIT_GRANT];

export function builtInGrantDefinition(id: string): GrantDefinition | undefined {
  return BUILT_IN_GRANTS.find(({ definition }) => definition.id === id)?.definition ?? AUTHORIZATION_ENDPOINT_GRANTS.find((definition) => definition.id === id);
}
