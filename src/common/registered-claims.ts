/** Access-token claims only the server sets: grants, plugins and claim mappings cannot write them. */
export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'cnf', 'gid', 'idp']);
