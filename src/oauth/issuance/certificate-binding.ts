import type { RegisteredClient } from '../../clients/registered-client';
import type { ClientCertificate } from '../../common/connection/client-certificate';
import { OAuthError } from '../../common/oauth-error';
import { UNCONSTRAINED, type SenderConstraint } from '../core/sender-constraint';

/** The methods whose credential is the client certificate itself (RFC 8705 §2). */
export const CERTIFICATE_AUTH_METHODS: ReadonlySet<string> = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * RFC 8705 §3: the binding of the access tokens a token request earns from its TLS client
 * certificate. A client that authenticated with the certificate, or registered
 * `tls_client_certificate_bound_access_tokens`, gets tokens bound to it (`cnf.x5t#S256`); the
 * latter without a certificate is refused rather than handed a bearer token it did not ask for.
 */
export function certificateBinding(client: RegisteredClient, certificate: ClientCertificate | undefined): SenderConstraint {
  const wanted = CERTIFICATE_AUTH_METHODS.has(client.authMethod) || client.tlsClientAuth.tls_client_certificate_bound_access_tokens;
  if (!wanted) return UNCONSTRAINED;
  if (!certificate) {
    throw OAuthError.invalidRequest('this client\'s access tokens are certificate-bound: present its TLS client certificate', { reason: 'client_certificate_missing' });
  }
  return { kind: 'mtls', x5tS256: certificate.x5tS256 };
}
