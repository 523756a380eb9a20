import { ADMIN_ONLY_FIELDS } from '../../clients/client-metadata';
import type { ClientView } from '../../clients/clients.service';

export interface RegistrationResponseParts {
  view: ClientView;
  /** RFC 7592 §1: where the client reads, updates and deletes its registration. */
  registrationClientUri: string;
  /** Present when issued or rotated by this request. */
  registrationToken?: string;
  softwareStatement: string | null;
  /** `[oauth.token] signing_alg`: what an ID token is signed with when the client named none. */
  defaultSigningAlg: string;
}

/** Admin bookkeeping that is no registered metadata of the client. */
const NOT_SHOWN = new Set<string>([...ADMIN_ONLY_FIELDS, 'updated_at']);

/**
 * RFC 7591 §3.2.1 / RFC 7592 §3: every registered field of the client, the ones the server
 * provisioned included (`id_token_signed_response_alg` its effective value, seed 003). Fields
 * without a value are left out rather than sent as null, which RFC 7591 never defines; the
 * admin-only fields are the operator's business.
 */
export function registrationResponse(parts: RegistrationResponseParts): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(parts.view)) {
    if (NOT_SHOWN.has(field) || value === null || value === '') continue;
    out[field] = value;
  }
  out.id_token_signed_response_alg ??= parts.defaultSigningAlg;
  if (typeof out.client_secret === 'string') out.client_secret_expires_at = 0; // RFC 7591 §3.2.1: 0, never expires
  out.registration_client_uri = parts.registrationClientUri;
  if (parts.registrationToken) out.registration_access_token = parts.registrationToken;
  // RFC 7591 §3.2.1: a software statement is returned unmodified.
  if (parts.softwareStatement) out.software_statement = parts.softwareStatement;
  return out;
}
