// Types only: a client request's declaration (plugin SDK) names it, so it imports no library but Node's own.
import type { X509Certificate } from 'node:crypto';

/** The TLS client certificate a request came with (RFC 8705). */
export interface ClientCertificate {
  readonly x509: X509Certificate;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate, the `cnf.x5t#S256` of bound tokens. */
  readonly x5tS256: string;
  /**
   * Whether its chain was verified to `[server.tls] client_ca`: on grantry's own listener the TLS
   * socket's `authorized`; from a trusted proxy's header, issued by a `client_ca` certificate when
   * one is configured, else the proxy's word (it must verify chains: README "Behind a proxy").
   */
  readonly chainVerified: boolean;
  readonly source: 'tls' | 'proxy';
}
