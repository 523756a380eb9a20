import { isIP } from 'node:net';
import { OAuthError } from '../common/oauth-error';

/** RFC 8705 §2.1.2: the one certificate subject a `tls_client_auth` client registers. */
export const TLS_CLIENT_AUTH_SUBJECT_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;
export type TlsClientAuthSubjectField = (typeof TLS_CLIENT_AUTH_SUBJECT_FIELDS)[number];

/** RFC 8705 client metadata: §2.1.2 the expected subject, §3.4 certificate-bound access tokens. */
export type TlsClientAuthMetadata = { [field in TlsClientAuthSubjectField]: string | null } & {
  tls_client_certificate_bound_access_tokens: boolean;
};

export const TLS_CLIENT_AUTH_DEFAULTS: TlsClientAuthMetadata = {
  tls_client_auth_subject_dn: null,
  tls_client_auth_san_dns: null,
  tls_client_auth_san_uri: null,
  tls_client_auth_san_ip: null,
  tls_client_auth_san_email: null,
  tls_client_certificate_bound_access_tokens: false,
};

const nullableText = (description: string) => ({ type: ['string', 'null'], maxLength: 1024, description });

export const TLS_CLIENT_AUTH_FIELD_SCHEMAS = {
  tls_client_auth_subject_dn: nullableText('RFC 8705 §2.1.2, tls_client_auth: the certificate\'s expected subject DN (RFC 4514 string, e.g. CN=client,O=Example); exactly one tls_client_auth_* is registered'),
  tls_client_auth_san_dns: nullableText('tls_client_auth: a dNSName SAN the certificate must carry'),
  tls_client_auth_san_uri: nullableText('tls_client_auth: a uniformResourceIdentifier SAN the certificate must carry'),
  tls_client_auth_san_ip: nullableText('tls_client_auth: an iPAddress SAN (IPv4 or IPv6) the certificate must carry'),
  tls_client_auth_san_email: nullableText('tls_client_auth: an rfc822Name SAN the certificate must carry'),
  tls_client_certificate_bound_access_tokens: { type: 'boolean', default: false, description: 'RFC 8705 §3.4: access tokens bound to the client certificate presented at the token endpoint (always so for mTLS client authentication)' },
} as const;

/** Reads the RFC 8705 fields `body` has into `out` (a partial update keeps the others). */
export function parseTlsClientAuthFields(body: Record<string, unknown>, out: TlsClientAuthMetadata, has: (field: string) => boolean): void {
  for (const field of TLS_CLIENT_AUTH_SUBJECT_FIELDS) {
    if (!has(field)) continue;
    const value = body[field];
    if (value === null || value === '') {
      out[field] = null;
      continue;
    }
    if (typeof value !== 'string' || value.length > 1024 || /[\x00-\x1F\x7F]/.test(value)) throw OAuthError.invalidClientMetadata(`${field} must be a string of at most 1024 printable characters`);
    if (field === 'tls_client_auth_san_ip' && isIP(value) === 0) throw OAuthError.invalidClientMetadata('tls_client_auth_san_ip must be an IPv4 or IPv6 address');
    if (field === 'tls_client_auth_san_uri' && !URL.canParse(value)) throw OAuthError.invalidClientMetadata('tls_client_auth_san_uri must be an absolute URI');
    if (field === 'tls_client_auth_subject_dn' && !/^[^=,+]+=.+/.test(value)) throw OAuthError.invalidClientMetadata('tls_client_auth_subject_dn must be an RFC 4514 DN such as CN=client,O=Example');
    out[field] = value;
  }
  if (has('tls_client_certificate_bound_access_tokens')) {
    const value = body.tls_client_certificate_bound_access_tokens;
    if (typeof value !== 'boolean') throw OAuthError.invalidClientMetadata('tls_client_certificate_bound_access_tokens must be true or false');
    out.tls_client_certificate_bound_access_tokens = value;
  }
}

/** RFC 8705 §2.1.2: a `tls_client_auth` client registers exactly one expected subject; other clients none. */
export function checkTlsClientAuthSubject(metadata: TlsClientAuthMetadata & { token_endpoint_auth_method: string }): void {
  const registered = TLS_CLIENT_AUTH_SUBJECT_FIELDS.filter((field) => metadata[field] !== null);
  if (metadata.token_endpoint_auth_method === 'tls_client_auth') {
    if (registered.length !== 1) throw OAuthError.invalidClientMetadata(`tls_client_auth needs exactly one of ${TLS_CLIENT_AUTH_SUBJECT_FIELDS.join(', ')}${registered.length ? ` (got ${registered.join(', ')})` : ''}`);
  } else if (registered.length) {
    throw OAuthError.invalidClientMetadata(`${registered[0]} is for token_endpoint_auth_method tls_client_auth only`);
  }
}

/** How the row stores them: one JSON column, only the members set (null when none is). */
export type StoredTlsClientAuth = Partial<Record<TlsClientAuthSubjectField, string>> & { bound_access_tokens?: true };

export function storedTlsClientAuth(metadata: TlsClientAuthMetadata): StoredTlsClientAuth | null {
  const stored: StoredTlsClientAuth = {};
  for (const field of TLS_CLIENT_AUTH_SUBJECT_FIELDS) if (metadata[field] !== null) stored[field] = metadata[field]!;
  if (metadata.tls_client_certificate_bound_access_tokens) stored.bound_access_tokens = true;
  return Object.keys(stored).length ? stored : null;
}

export function tlsClientAuthOf(stored: StoredTlsClientAuth | null | undefined): TlsClientAuthMetadata {
  const metadata = { ...TLS_CLIENT_AUTH_DEFAULTS };
  for (const field of TLS_CLIENT_AUTH_SUBJECT_FIELDS) metadata[field] = stored?.[field] ?? null;
  metadata.tls_client_certificate_bound_access_tokens = stored?.bound_access_tokens === true;
  return metadata;
}
