import { InitialSchema1763900000000 } from './1763900000000-initial-schema';
import { ReplayStore1763900100000 } from './1763900100000-replay-store';
import { IdentityProviders1763900200000 } from './1763900200000-identity-providers';
import { RefreshTokens1763900300000 } from './1763900300000-refresh-tokens';
import { GrantRecords1764300000000 } from './1764300000000-grant-records';
import { SealedSecretsOnlyForJwt1764300100000 } from './1764300100000-sealed-secrets-only-for-jwt';
import { ResourceOwners1764400000000 } from './1764400000000-resource-owners';
import { BrowserSignIn1764500000000 } from './1764500000000-browser-sign-in';
import { Registration1764600000000 } from './1764600000000-registration';
import { EncryptionKeys1764700000000 } from './1764700000000-encryption-keys';
import { InitialAccessTokenIds1764800000000 } from './1764800000000-initial-access-token-ids';
import { RegistrantGrantTypes1764900000000 } from './1764900000000-registrant-grant-types';
import { CorsOrigins1764900100000 } from './1764900100000-cors-origins';
import { RequestedClaims1764900200000 } from './1764900200000-requested-claims';
import { GrantSubjectNamespace1764900300000 } from './1764900300000-grant-subject-namespace';
import { SenderConstraints1765000000000 } from './1765000000000-sender-constraints';
import { RowVersions1765100000000 } from './1765100000000-row-versions';
import { AuditEvents1765100500000 } from './1765100500000-audit-events';
import { Tenants1765200000000 } from './1765200000000-tenants';
import { SuperAdminClients1765200500000 } from './1765200500000-super-admin-clients';
import { RequestObjects1765300000000 } from './1765300000000-request-objects';
import { ClientSecurityProfiles1765350000000 } from './1765350000000-client-security-profiles';
import { JwtResponses1765400300000 } from './1765400300000-jwt-responses';
import { PushedRequests1765300500000 } from './1765300500000-pushed-requests';
import { Dpop1765400000000 } from './1765400000000-dpop';
import { TlsClientAuth1765400700000 } from './1765400700000-tls-client-auth';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [
  InitialSchema1763900000000,
  ReplayStore1763900100000,
  IdentityProviders1763900200000,
  RefreshTokens1763900300000,
  GrantRecords1764300000000,
  SealedSecretsOnlyForJwt1764300100000,
  ResourceOwners1764400000000,
  BrowserSignIn1764500000000,
  Registration1764600000000,
  EncryptionKeys1764700000000,
  InitialAccessTokenIds1764800000000,
  RegistrantGrantTypes1764900000000,
  CorsOrigins1764900100000,
  RequestedClaims1764900200000,
  GrantSubjectNamespace1764900300000,
  SenderConstraints1765000000000,
  RowVersions1765100000000,
  AuditEvents1765100500000,
  Tenants1765200000000,
  SuperAdminClients1765200500000,
  RequestObjects1765300000000,
  PushedRequests1765300500000,
  ClientSecurityProfiles1765350000000,
  Dpop1765400000000,
  JwtResponses1765400300000,
  TlsClientAuth1765400700000,
];
