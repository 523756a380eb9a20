/**
 * Default order of every built-in grant and authenticator, in one place. Gaps of 100 leave
 * room for plugins; `private_key_jwt` keeps 899, the order WSO2 documents for it.
 */
export const ORDERS = {
  authenticators: {
    clientSecretBasic: 100,
    clientSecretPost: 200,
    clientSecretJwt: 300,
    privateKeyJwt: 899,
    tlsClientAuth: 910,
    selfSignedTlsClientAuth: 920,
    none: 1000,
  },
  loginSteps: {
    password: 100,
  },
  grants: {
    clientCredentials: 100,
    authorizationCode: 150,
    jwtBearer: 200,
    refreshToken: 300,
    password: 400,
  },
} as const;
