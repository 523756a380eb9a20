import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { TrustedProxies, unmapped } from '../../config/trusted-proxies';
import type { ClientCertificate } from './client-certificate';

export type { ClientCertificate };

/** What one request's connection says, computed once, in one place (`ConnectionPolicy`). */
export interface ConnectionFacts {
  /** The TCP peer. */
  readonly peer: string;
  /**
   * The client's address for logs, metrics and limits: the peer, or — only when the peer is a
   * trusted proxy — the right-most X-Forwarded-For entry that is not a trusted proxy.
   */
  readonly clientAddress: string;
  /** Whether the original request used https: this listener's TLS, or a trusted proxy's X-Forwarded-Proto. */
  readonly https: boolean;
  readonly viaTrustedProxy: boolean;
  /** The client certificate, read on first use. */
  readonly certificate: ClientCertificate | undefined;
}

const FACTS = Symbol('grantry connection facts');
type WithFacts = IncomingMessage & { [FACTS]?: ConnectionFacts };

/** `[server] trusted_proxies` and `[server.tls]` as the connection facts need them. */
export interface ConnectionSettings {
  proxies: TrustedProxies;
  /** `[server.tls] client_certificate_header`, lower-case; honoured only from a trusted proxy. */
  certificateHeader?: string;
  /** `[server.tls] client_ca`'s certificates: what a proxy-forwarded certificate must be issued by. */
  clientCas?: readonly X509Certificate[];
}

/**
 * The one place that reads forwarding headers. From a peer outside `trusted_proxies`, X-Forwarded-*
 * change nothing and the client-certificate header is deleted before any route, plugin or log sees
 * it. URLs are never derived from Host or X-Forwarded-Host (the issuer is `[server] base_url`).
 */
export class ConnectionPolicy {
  constructor(private readonly settings: ConnectionSettings = { proxies: TrustedProxies.NONE }) {}

  /**
   * The first `onRequest` hook: facts computed and untrusted forwarding headers dropped before
   * anything else runs. Without trusted proxies and a certificate header there is nothing to
   * trust or drop: no hook, and `connectionOf` computes the same facts on first use.
   */
  install(fastify: FastifyInstance): void {
    if (!this.settings.proxies.any && !this.settings.certificateHeader) return;
    fastify.addHook('onRequest', (request, _reply, done) => {
      this.factsOf(request);
      done();
    });
  }

  factsOf(request: FastifyRequest): ConnectionFacts {
    const raw = request.raw as WithFacts;
    // Without trusted proxies or a certificate header no request header counts: on a plain
    // connection the facts are the connection's (its peer), computed once for all its keep-alive
    // requests. A TLS connection's are not kept: a renegotiation may present another certificate.
    const socket = raw.socket as unknown as WithFacts & { encrypted?: boolean };
    if (!this.settings.proxies.any && !this.settings.certificateHeader && socket && !socket.encrypted) {
      return (socket[FACTS] ??= this.compute(raw));
    }
    return (raw[FACTS] ??= this.compute(raw));
  }

  private compute(raw: IncomingMessage): ConnectionFacts {
    const socket = raw.socket as Partial<TLSSocket> | undefined;
    const peer = unmapped(socket?.remoteAddress ?? '');
    const trusted = this.settings.proxies.trusts(peer);
    const header = this.settings.certificateHeader;
    if (header && !trusted) delete raw.headers[header];
    const encrypted = socket?.encrypted === true;
    let certificate: ClientCertificate | undefined | null = null;
    const read = () => (certificate === null ? (certificate = this.certificate(raw, encrypted, trusted)) : certificate);
    return {
      peer,
      clientAddress: trusted ? this.forwardedFor(raw, peer) : peer,
      https: trusted ? forwardedHttps(raw, encrypted) : encrypted,
      viaTrustedProxy: trusted,
      get certificate() {
        return read();
      },
    };
  }

  /** RFC 7239 §7.4 reasoning: only the hops we trust appended honestly; the first untrusted one from the right is the client. */
  private forwardedFor(raw: IncomingMessage, peer: string): string {
    const value = raw.headers['x-forwarded-for'];
    const entries = (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',').map((entry) => withoutPort(entry.trim())).filter(Boolean);
    let address = peer;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (isIP(entries[i]) === 0) break; // garbage: the hop that passed it on is as far as we can tell
      address = unmapped(entries[i]);
      if (!this.settings.proxies.trusts(address)) break;
    }
    return address;
  }

  private certificate(raw: IncomingMessage, encrypted: boolean, trusted: boolean): ClientCertificate | undefined {
    if (encrypted) {
      const socket = raw.socket as TLSSocket;
      const der = socket.getPeerCertificate?.()?.raw;
      if (der?.length) return certificateOf(der, socket.authorized === true, 'tls');
    }
    const header = this.settings.certificateHeader;
    if (!header || !trusted) return undefined;
    const x509 = forwardedCertificate(raw.headers[header]);
    if (!x509) return undefined;
    // The proxy's word is not a chain check: only client_ca makes a forwarded certificate one that
    // tls_client_auth takes. Without it, a forwarded certificate serves self_signed_tls_client_auth
    // (its key is compared) and certificate-bound tokens (its thumbprint) only.
    const cas = this.settings.clientCas;
    const verified = !!cas?.length && cas.some((ca) => x509.checkIssued(ca) && x509.verify(ca.publicKey)) && withinValidity(x509);
    return certificateOf(x509.raw, verified, 'proxy', x509);
  }
}

/**
 * One URL-encoded PEM certificate from a proxy's header, or undefined. A header sent twice (Node
 * joins the copies with ", ", and a proxy that appends instead of replacing passes the client's own
 * on) or holding several certificates is refused whole: which one the proxy meant cannot be told.
 */
export function forwardedCertificate(value: unknown): X509Certificate | undefined {
  if (typeof value !== 'string' || !value || value.includes(',')) return undefined;
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  if (pem.split('-----BEGIN CERTIFICATE-----').length !== 2) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined; // not a PEM certificate: as if none came
  }
}

function certificateOf(der: Buffer, chainVerified: boolean, source: 'tls' | 'proxy', x509 = new X509Certificate(der)): ClientCertificate {
  return { x509, x5tS256: createHash('sha256').update(der).digest('base64url'), chainVerified, source };
}

function withinValidity(x509: X509Certificate): boolean {
  const now = Date.now();
  return Date.parse(x509.validFrom) <= now && now <= Date.parse(x509.validTo);
}

/** The nearest trusted proxy's X-Forwarded-Proto (the last value), else this connection's own scheme. */
function forwardedHttps(raw: IncomingMessage, encrypted: boolean): boolean {
  const value = raw.headers['x-forwarded-proto'];
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!text) return encrypted;
  const last = text.split(',').pop()!.trim().toLowerCase();
  return last === 'https';
}

/** `192.0.2.1:8080` and `[2001:db8::1]:443` as some proxies write them. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(entry);
  return v4 ? v4[1] : entry;
}

const UNTRUSTING = new ConnectionPolicy();

/** The facts of a request (computed by the installed policy; without one, nothing forwarded is trusted). */
export function connectionOf(request: FastifyRequest): ConnectionFacts {
  return (request.raw as WithFacts)[FACTS] ?? UNTRUSTING.factsOf(request);
}
