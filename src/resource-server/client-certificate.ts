import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

/** What the guard reads of a request for its client certificate, on Fastify (`raw`) and Express alike. */
interface CertificateRequestLike {
  raw?: object;
  socket?: unknown;
  headers?: object;
}

/**
 * RFC 8705 §3: the base64url SHA-256 thumbprint of the TLS client certificate the request came
 * with — from the application's own TLS listener, or, behind a TLS-terminating proxy, from the
 * header it names (`clientCertificateHeader`, URL-encoded PEM: only the proxy may be able to reach
 * the application, or anyone could name any certificate). Undefined when there is none.
 */
export function clientCertificateThumbprint(request: CertificateRequestLike, header: string | undefined): string | undefined {
  const socket = ((request.raw as { socket?: unknown } | undefined)?.socket ?? request.socket) as Partial<TLSSocket> | undefined;
  const der = socket?.encrypted ? socket.getPeerCertificate?.()?.raw : undefined;
  if (der?.length) return createHash('sha256').update(der).digest('base64url');
  const value = header && request.headers ? (request.headers as Record<string, unknown>)[header] : undefined;
  // One URL-encoded PEM certificate, or none: a header sent twice (joined with ", ") or holding
  // several certificates cannot say which one the proxy meant.
  if (typeof value !== 'string' || !value || value.includes(',')) return undefined;
  try {
    const pem = decodeURIComponent(value);
    if (pem.split('-----BEGIN CERTIFICATE-----').length !== 2) return undefined;
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
  } catch {
    return undefined;
  }
}
