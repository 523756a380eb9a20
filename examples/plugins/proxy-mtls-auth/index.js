// A pinned client certificate behind a TLS-terminating proxy, as a grantry client authenticator
// plugin (method `proxy_pinned_certificate`). The proxy verifies the TLS handshake and forwards the
// client certificate's SHA-256 fingerprint in a header, plus a shared secret proving the request
// came through it. The client's certificate is in grantry's truststore under its client_id:
//
//   grantry certs import --alias <client_id> --file client.crt
//
//   [[event_listener]]
//   name = "./plugins/proxy-mtls-auth/index.js"
//   order = "150"
//   [event_listener.properties]
//   fingerprint_header = "x-client-cert-sha256"
//   proxy_secret_header = "x-proxy-secret"
//   proxy_secret = "$env{PROXY_SECRET}"
//
// RFC 8705's own methods, `tls_client_auth` and `self_signed_tls_client_auth`, are built into
// grantry (README "mTLS"), on its own TLS listener or behind a proxy listed in
// `[server] trusted_proxies` that forwards the whole certificate (`[server.tls]
// client_certificate_header`): prefer them. A plugin may not take a built-in method's name.

const { timingSafeEqual } = require('node:crypto');

const sameText = (a, b) => {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};
const normalise = (fingerprint) => String(fingerprint).replace(/:/g, '').toLowerCase();

module.exports = class ProxyMtlsAuthenticator {
  method = 'proxy_pinned_certificate';

  constructor({ properties, services }) {
    this.fingerprintHeader = String(properties.fingerprint_header ?? 'x-client-cert-sha256').toLowerCase();
    this.secretHeader = String(properties.proxy_secret_header ?? 'x-proxy-secret').toLowerCase();
    this.secret = properties.proxy_secret;
    if (typeof this.secret !== 'string' || this.secret.length < 16) {
      throw new Error('properties.proxy_secret must be a string of at least 16 characters');
    }
    this.services = services;
  }

  /** The proxy's header and a client_id: this method's credentials. */
  canAuthenticate(request) {
    return typeof request.headers[this.fingerprintHeader] === 'string' && request.param('client_id') !== undefined;
  }

  async authenticate(request) {
    const { OAuthError } = this.services;
    if (!sameText(request.headers[this.secretHeader] ?? '', this.secret)) {
      throw OAuthError.invalidClient(undefined, { detail: 'certificate header did not come through the trusted proxy' });
    }
    const clientId = request.param('client_id');
    const client = await this.services.clients.find(clientId);
    const certificate = client && (await this.services.truststore.find(clientId));
    if (!certificate || !sameText(normalise(certificate.fingerprint256), normalise(request.headers[this.fingerprintHeader]))) {
      throw OAuthError.invalidClient(undefined, { detail: `no matching certificate for client ${clientId}` });
    }
    return { client };
  }
};
