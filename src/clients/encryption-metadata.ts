/**
 * What a client may register for encrypted ID tokens and userinfo responses (OIDC Registration §2):
 * the key-management algs and content encryptions grantry can produce. The token and userinfo
 * code imports these too, so what registration accepts and what encryption supports stay one list.
 */
export const ENCRYPTION_ALGS = ['RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'] as const;
export const ENCRYPTION_ENCS = ['A256GCM', 'A128GCM', 'A128CBC-HS256', 'A256CBC-HS512'] as const;

/** OIDC Registration §2: `*_encrypted_response_enc` defaults to this when only the alg is given. */
export const DEFAULT_ENCRYPTION_ENC = 'A128CBC-HS256';

/** Algs a client may ask its ID tokens and userinfo responses to be signed with (`none` is never issued). */
export const RESPONSE_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export type EncryptionAlg = (typeof ENCRYPTION_ALGS)[number];
export type EncryptionEnc = (typeof ENCRYPTION_ENCS)[number];
